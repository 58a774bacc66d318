// live.js — the live feed: one websocket to /api/events, reconnected with back-off.
//
// Emits "event" (detail: the server's {Type, Data} frame) and "state" (detail: {state, retryIn})
// where state is "connecting", "live" or "down". The feed counts as live once the first frame
// arrives — mailtrap sends one ("stats") as soon as the connection is registered, so from then on
// no change can slip by unannounced — or, from a server that sends nothing first, shortly after
// the connection opens. While down it retries after 0.5 s, 1 s, 2 s, ... up to 30 s (with
// jitter), and at once when asked (retryNow) or when the browser comes online. The back-off only
// starts over once a connection proved itself (a frame arrived, or it stayed open a while), so a
// server that accepts and then drops at once is not hammered.

const FIRST_DELAY = 500;
const MAX_DELAY = 30_000;
const PROVEN_AFTER = 5_000;
const QUIET_SERVER_GRACE = 1_500;

export class LiveFeed extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.socket = null;
    this.failures = 0;
    this.timer = null;
    this.state = "connecting";
    this.retryAt = 0;
    window.addEventListener("online", () => this.retryNow());
  }

  start() {
    this.connect();
    return this;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    this.setState("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    let opened = 0;
    let grace = null;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      opened = Date.now();
      grace = setTimeout(() => this.socket === socket && this.setState("live"), QUIET_SERVER_GRACE);
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      clearTimeout(grace);
      this.failures = 0;
      if (this.state !== "live") this.setState("live");
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return; // not one of ours
      }
      if (frame && typeof frame.Type === "string") {
        this.dispatchEvent(new CustomEvent("event", { detail: frame }));
      }
    });
    socket.addEventListener("close", () => {
      clearTimeout(grace);
      if (this.socket !== socket) return;
      this.socket = null;
      if (opened && Date.now() - opened >= PROVEN_AFTER) this.failures = 0;
      this.scheduleRetry();
    });
  }

  scheduleRetry() {
    const base = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** this.failures);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.failures += 1;
    this.retryAt = Date.now() + delay;
    this.timer = setTimeout(() => this.connect(), delay);
    this.setState("down");
  }

  /** Reconnect now instead of waiting out the back-off. */
  retryNow() {
    if (this.state === "down") this.connect();
  }

  setState(state) {
    this.state = state;
    const retryIn = state === "down" ? Math.max(0, this.retryAt - Date.now()) : 0;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, retryIn } }));
  }
}
