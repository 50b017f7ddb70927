// The agent page's sandbox chat, over the sandbox WebSocket (/ws/agents/<id>/sandbox/, agents.consumers).
//
// The socket is opened with a one-minute token of the session's user (window.openSocket, dashboard.js). Each reply
// shows what the agent said, the flow node it is at, and the actions it took (a booking, a transfer...) with their
// outcome.
(() => {
  function line(log, who, text, extra = "") {
    const item = document.createElement("li");
    item.className = `said ${who} ${extra}`.trim();
    const speaker = document.createElement("span");
    speaker.className = "speaker";
    speaker.textContent = { agent: "Agent", caller: "You", action: "Action", notice: "" }[who];
    const words = document.createElement("span");
    words.textContent = text;
    item.append(speaker, " ", words);
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function describe(action) {
    const outcome = action.ok ? "done" : "failed";
    const data = action.data && Object.keys(action.data).length ? ` ${JSON.stringify(action.data)}` : "";
    return `${action.name}: ${outcome}${data}`;
  }

  class Sandbox {
    constructor(section) {
      this.section = section;
      this.log = section.querySelector("[data-sandbox-log]");
      this.node = section.querySelector("[data-sandbox-node]");
      this.status = section.querySelector("[data-sandbox-status]");
      this.form = section.querySelector("[data-sandbox-form]");
      this.input = this.form.querySelector("input");
      this.startButton = section.querySelector("[data-sandbox-start]");
      this.startButton.addEventListener("click", () => this.start());
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        this.say();
      });
    }

    async start() {
      if (this.socket) this.socket.close();
      this.startButton.disabled = true;
      this.status.textContent = "Connecting…";
      this.log.replaceChildren();
      try {
        this.socket = await window.openSocket(this.section, this.section.dataset.sandbox);
      } catch (error) {
        this.status.textContent = `The sandbox is not available (${error.message}).`;
        this.startButton.disabled = false;
        return;
      }
      this.socket.addEventListener("open", () => this.socket.send(JSON.stringify({ type: "start" })));
      this.socket.addEventListener("message", (event) => this.received(JSON.parse(event.data)));
      this.socket.addEventListener("close", (event) => this.closed(event));
    }

    received(message) {
      if (message.type === "error") {
        line(this.log, "notice", message.detail, "error");
        return;
      }
      for (const action of message.actions || []) line(this.log, "action", describe(action), action.ok ? "" : "error");
      for (const text of message.utterances || []) line(this.log, "agent", text);
      this.node.textContent = message.node_id || "–";
      if (message.ended) {
        line(this.log, "notice", `The call ended${message.end_reason ? ` (${message.end_reason})` : ""}.`);
        this.form.hidden = true;
        this.startButton.disabled = false;
        this.startButton.textContent = "Start again";
        this.status.textContent = "Ended.";
        this.socket.close();
        return;
      }
      this.startButton.disabled = false;
      this.startButton.textContent = "Start again";
      this.status.textContent = "Your turn.";
      this.form.hidden = false;
      this.input.focus();
    }

    say() {
      const text = this.input.value.trim();
      if (!text || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      line(this.log, "caller", text);
      this.input.value = "";
      this.status.textContent = "The agent is answering…";
      this.socket.send(JSON.stringify({ type: "say", text }));
    }

    closed(event) {
      if (this.status.textContent === "Ended.") return;
      this.form.hidden = true;
      this.startButton.disabled = false;
      this.status.textContent =
        event.code === 4403 ? "Your role cannot use the sandbox here." : "The sandbox closed; start a new conversation.";
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-sandbox]").forEach((section) => new Sandbox(section));
  });
})();
