// The live calls page: each call's transcript as it happens over its live socket (/ws/calls/<id>/live/, calls.live),
// with the staff controls sent over that same socket, and the events stream (/ws/events/) adding the calls that start
// meanwhile and marking those that finish. Sockets open with a one-minute token (window.openSocket, dashboard.js).
(() => {
  const LIVE = ["queued", "ringing", "in_progress"];
  const SPEAKERS = { caller: "Caller", agent: "Agent", system: "System" };
  const readable = (status) => status.replace(/_/g, " ").replace(/^./, (first) => first.toUpperCase());

  class LiveCall {
    constructor(page, article, id) {
      this.page = page;
      this.article = article;
      this.id = id;
      this.turns = article.querySelector("[data-call-turns]");
      this.state = article.querySelector("[data-call-state]");
      this.flags = article.querySelector("[data-call-flags]");
      this.status = article.querySelector("[data-control-status]");
      article.querySelectorAll("[data-control]").forEach((button) => {
        button.addEventListener("click", () => this.control({ action: button.dataset.control }));
      });
      article.querySelectorAll("[data-control-form]").forEach((form) => {
        form.addEventListener("submit", (event) => {
          event.preventDefault();
          const input = form.querySelector("input");
          this.control({ action: form.dataset.controlForm, [input.name]: input.value.trim() });
        });
      });
      this.connect();
    }

    async connect() {
      try {
        this.socket = await window.openSocket(this.page.root, `/ws/calls/${this.id}/live/`);
      } catch (error) {
        this.say(`Not following this call (${error.message}).`);
        return;
      }
      this.socket.addEventListener("message", (event) => this.received(JSON.parse(event.data)));
    }

    received(message) {
      if (message.type === "snapshot") {
        this.turns.replaceChildren();
        message.turns.forEach((turn) => this.turn(turn));
        this.show(message.call.status);
      } else if (message.type === "turn" || message.type === "turn_updated") {
        this.turn(message.turn);
      } else if (message.type === "state") {
        this.show(message.status, message.end_reason);
      } else if (message.type === "controls") {
        this.flags.textContent = [message.on_hold && " · on hold", message.agent_muted && " · agent muted"]
          .filter(Boolean)
          .join("");
        this.say(`${message.action} by ${message.by || "staff"}.`);
      } else if (message.type === "ack") {
        this.say(`${message.action}: done.`);
      } else if (message.type === "error") {
        const fields = Object.values(message.errors || {}).flat();
        this.say([message.detail, ...fields].join(" "));
      }
    }

    // A turn by its id: a new one is added, a known one (cut short by a barge-in) is rewritten.
    turn(turn) {
      let item = this.turns.querySelector(`[data-turn="${turn.id}"]`);
      if (!item) {
        item = document.createElement("li");
        item.dataset.turn = turn.id;
        this.turns.append(item);
      }
      item.className = `turn ${turn.speaker}`;
      const speaker = document.createElement("strong");
      speaker.textContent = SPEAKERS[turn.speaker] || turn.speaker;
      const text = document.createElement("p");
      text.textContent = turn.interrupted ? `${turn.text} (cut off; heard: ${turn.heard_text || "nothing"})` : turn.text;
      item.replaceChildren(speaker, text);
      item.scrollIntoView({ block: "nearest" });
    }

    show(status, reason = "") {
      this.state.textContent = readable(status) + (reason ? ` (${reason})` : "");
      if (!LIVE.includes(status)) {
        this.article.classList.add("ended");
        this.article.querySelectorAll("button, input").forEach((control) => (control.disabled = true));
      }
    }

    control(message) {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      this.say(`${message.action}…`);
      this.socket.send(JSON.stringify({ type: "control", ...message }));
    }

    say(text) {
      if (this.status) this.status.textContent = text;
    }
  }

  class LivePage {
    constructor(root) {
      this.root = root;
      this.list = root.querySelector("[data-live-calls]");
      this.empty = root.querySelector("[data-live-empty]");
      this.status = root.querySelector("[data-live-status]");
      this.calls = {};
      root.querySelectorAll("[data-live-call]").forEach((article) => this.follow(article, article.dataset.liveCall));
      this.listen();
    }

    follow(article, id) {
      this.calls[id] = new LiveCall(this, article, id);
    }

    async listen() {
      try {
        this.events = await window.openSocket(this.root, "/ws/events/");
      } catch (error) {
        this.status.textContent = `New calls will not appear by themselves (${error.message}); reload the page.`;
        return;
      }
      this.events.addEventListener("open", () => (this.status.textContent = "Following the calls as they happen."));
      this.events.addEventListener("close", () => (this.status.textContent = "Disconnected: reload the page."));
      this.events.addEventListener("message", (event) => this.event(JSON.parse(event.data)));
    }

    event({ type, data }) {
      const id = String(data.call_id || "");
      if (type === "call.started" && id && !this.calls[id]) this.add(id, data);
      if (type === "call.finished" && this.calls[id]) this.calls[id].show(data.status, data.end_reason);
    }

    // A call that started after the page loaded, from the page's <template> of a call.
    add(id, data) {
      const article = this.root.querySelector("[data-live-template]").content.firstElementChild.cloneNode(true);
      article.dataset.liveCall = id;
      article.querySelectorAll("[id], [for], [aria-labelledby]").forEach((element) => {
        for (const name of ["id", "for", "aria-labelledby"]) {
          const value = element.getAttribute(name);
          if (value) element.setAttribute(name, value.replace("live-new-", `live-${id}-`));
        }
      });
      if (article.getAttribute("aria-labelledby")) {
        article.setAttribute("aria-labelledby", `live-${id}-title`);
      }
      article.querySelector("[data-call-link]").href = `/calls/${id}`;
      article.querySelector("[data-call-from]").textContent = data.from_number || "–";
      article.querySelector("[data-call-to]").textContent = data.to_number || "–";
      this.list.prepend(article);
      this.empty.hidden = true;
      this.follow(article, id);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-live]");
    if (root) new LivePage(root);
  });
})();
