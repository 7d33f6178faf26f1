// The strings of the fallback transport (stream.js), loaded only when a page falls back to it.
export default {
  "conn.viaHttp": "the long way round",
  "conn.viaHttpLong": "This network allows no direct connection; the page goes the long way round and may be a little slower.",
};
