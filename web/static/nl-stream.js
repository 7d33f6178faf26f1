// The strings of the fallback transport (stream.js), loaded only when a page falls back to it.
export default {
  "conn.viaHttp": "via een omweg",
  "conn.viaHttpLong": "Dit netwerk laat geen directe verbinding toe; de pagina werkt via een omweg en kan iets trager zijn.",
};
