// The fallback when a network lets no WebSocket through: the same frames over plain HTTP, shaped
// like a WebSocket so the table socket need not know. Frames arrive as server-sent events on a
// POST whose body is the hello (the token never goes in a URL); every other frame is a POST with
// the token in its Authorization header, answered by its ack, error or pong. Loaded only then.
import { include, t } from "./i18n.js";

await include("stream");

export class HttpStream {
  constructor(sessionId) {
    this.base = `/api/sessions/${encodeURIComponent(sessionId)}`;
    this.readyState = 0;
    this.abort = new AbortController();
    setTimeout(() => { this.readyState = 1; this.onopen?.(); });
    say();
  }

  send(text) {
    if (this.readyState !== 1) return;
    const frame = JSON.parse(text);
    if (["hello", "language", "resync"].includes(frame.type)) {  // each opens the stream (again)
      if (frame.type !== "resync") this.hello = frame.type === "hello" ? frame : { ...this.hello, language: frame.language };
      this.listen(JSON.stringify(this.hello));
      return;
    }
    // The reply answers the command; only the stream itself tells that the connection lives.
    const failed = JSON.stringify({ type: "error", id: frame.id, code: "other", reason: "offline" });
    fetch(`${this.base}/frames`, { method: "POST", body: text, signal: this.abort.signal,
      headers: { Authorization: `Bearer ${this.hello.token}`, "Content-Type": "application/json" } })
      .then((r) => (r.ok ? r.text() : failed), () => failed).then((data) => this.onreply?.({ data }));
  }

  async listen(hello) {
    this.listening?.abort();
    const listening = this.listening = new AbortController();
    let code = 1006;
    try {
      const response = await fetch(`${this.base}/stream`, { method: "POST", body: hello, signal: listening.signal, headers: { "Content-Type": "application/json" } });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          this.onbeat?.();  // a frame or the server's heartbeat comment: the stream is alive
          if (!data) continue;
          if (event.startsWith("event: close")) { code = JSON.parse(data).code; listening.abort(); break; }
          this.onmessage?.({ data });
        }
      }
    } catch { /* the network went, or a newer stream took over */ }
    if (this.listening === listening) this.end(code);
  }

  end(code) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.abort.abort();
    this.listening?.abort();
    this.onclose?.({ code });
  }

  close() { this.end(1000); }
}

// Discreetly, in the header: this page goes the long way round.
function say() {
  if (document.getElementById("via")) return;
  // (no h() from common.js: common.js imports this module)
  const note = Object.assign(document.createElement("span"), { id: "via", className: "org", title: t("conn.viaHttpLong"), textContent: t("conn.viaHttp") });
  note.dataset.i18n = "conn.viaHttp";
  document.getElementById("lang")?.before(note);
}
