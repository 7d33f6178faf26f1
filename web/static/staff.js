// Imported first by the facilitator's, host's and replay pages: their strings, which the phones
// never download.
import { include } from "./i18n.js";

await include("staff");
