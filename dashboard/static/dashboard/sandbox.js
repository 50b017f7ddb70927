// The agent page's sandbox chat, over the sandbox WebSocket (/ws/agents/<id>/sandbox/, agents.consumers), and its
// voice conversation (/ws/agents/<id>/voice/, calls.media.browser).
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

  // G.711 mu-law, as a phone line carries the audio (8 kHz, 160 samples in a 20 ms frame).
  const RATE = 8000;
  const FRAME = 160;

  function toMulaw(sample) {
    let pcm = Math.round(Math.max(-1, Math.min(1, sample)) * 32767);
    const sign = pcm < 0 ? 0x80 : 0;
    pcm = Math.min(Math.abs(pcm), 32635) + 0x84;
    let exponent = 7;
    for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
    return ~(sign | (exponent << 4) | ((pcm >> (exponent + 3)) & 0x0f)) & 0xff;
  }

  function fromMulaw(byte) {
    const value = ~byte & 0xff;
    const exponent = (value >> 4) & 0x07;
    const magnitude = ((((value & 0x0f) << 3) + 0x84) << exponent) - 0x84;
    return ((value & 0x80) ? -magnitude : magnitude) / 32768;
  }

  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (char) => char.charCodeAt(0));

  // The microphone goes out as a phone line's audio, in Twilio's Media Streams messages; the agent's audio plays
  // back in order, each `mark` is echoed once the audio before it has played, and `clear` (the caller talked over
  // the agent) stops it. The turns come over the same socket as they are stored (`transcript`).
  class VoiceChat {
    constructor(section) {
      this.section = section;
      this.log = section.querySelector("[data-voice-log]");
      this.status = section.querySelector("[data-voice-status]");
      this.startButton = section.querySelector("[data-voice-start]");
      this.stopButton = section.querySelector("[data-voice-stop]");
      this.startButton.addEventListener("click", () => this.start());
      this.stopButton.addEventListener("click", () => this.stop());
      this.marks = [];
    }

    async start() {
      this.startButton.disabled = true;
      this.log.replaceChildren();
      this.status.textContent = "Asking for the microphone…";
      try {
        this.microphone = await navigator.mediaDevices.getUserMedia({
          audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        });
        this.context = new AudioContext({ sampleRate: RATE });
        this.socket = await window.openSocket(this.section, this.section.dataset.voice);
      } catch (error) {
        this.status.textContent = `Talking is not available (${error.message}).`;
        this.release();
        return;
      }
      this.playhead = 0;
      this.sources = [];
      this.socket.addEventListener("open", () => this.listen());
      this.socket.addEventListener("message", (event) => this.received(JSON.parse(event.data)));
      this.socket.addEventListener("close", (event) => this.closed(event));
    }

    listen() {
      const source = this.context.createMediaStreamSource(this.microphone);
      this.processor = this.context.createScriptProcessor(1024, 1, 1);
      let pending = [];
      this.processor.addEventListener("audioprocess", (event) => {
        pending = pending.concat(Array.from(event.inputBuffer.getChannelData(0), toMulaw));
        while (pending.length >= FRAME && this.socket.readyState === WebSocket.OPEN) {
          const payload = toBase64(pending.slice(0, FRAME));
          pending = pending.slice(FRAME);
          this.socket.send(JSON.stringify({ event: "media", media: { track: "inbound", payload } }));
        }
      });
      source.connect(this.processor);
      this.processor.connect(this.context.destination);
      this.status.textContent = "Listening: speak when the agent has finished.";
      this.stopButton.hidden = false;
    }

    received(message) {
      if (message.event === "transcript") {
        message.events.filter((event) => event.turn).forEach((event) => this.turn(event.turn));
      } else if (message.event === "media") this.play(fromBase64(message.media.payload));
      else if (message.event === "mark") this.mark(message.mark.name);
      else if (message.event === "clear") this.clear();
    }

    play(bytes) {
      const buffer = this.context.createBuffer(1, bytes.length, RATE);
      buffer.copyToChannel(Float32Array.from(bytes, fromMulaw), 0);
      const source = this.context.createBufferSource();
      source.buffer = buffer;
      source.connect(this.context.destination);
      this.playhead = Math.max(this.playhead, this.context.currentTime);
      source.start(this.playhead);
      this.playhead += buffer.duration;
      this.sources.push(source);
      source.addEventListener("ended", () => (this.sources = this.sources.filter((playing) => playing !== source)));
    }

    // Echoed once everything sent before it has played, as Twilio does: the server learns what the caller heard.
    mark(name) {
      const echo = () => {
        this.marks = this.marks.filter((pending) => pending.name !== name);
        if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ event: "mark", mark: { name } }));
      };
      const timer = setTimeout(echo, Math.max(0, (this.playhead - this.context.currentTime) * 1000));
      this.marks.push({ name, timer, echo });
    }

    clear() {
      this.sources.forEach((source) => source.stop());
      this.sources = [];
      this.playhead = this.context.currentTime;
      this.marks.forEach(({ timer, echo }) => {
        clearTimeout(timer);
        echo();
      });
    }

    // A turn by its id: a new one is added, a known one (cut short by the caller) is rewritten.
    turn(turn) {
      const known = this.log.querySelector(`[data-turn="${turn.id}"]`);
      const text = turn.interrupted ? `${turn.text} (cut off; heard: ${turn.heard_text || "nothing"})` : turn.text;
      if (known) {
        known.lastElementChild.textContent = text;
        return;
      }
      line(this.log, turn.speaker === "agent" ? "agent" : "caller", text);
      this.log.lastElementChild.dataset.turn = turn.id;
    }

    stop() {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ event: "stop" }));
      this.release();
    }

    closed(event) {
      this.status.textContent =
        event.code === 4403 ? "Your role cannot talk to the agent here." : "The conversation has ended.";
      this.release();
    }

    release() {
      if (this.processor) this.processor.disconnect();
      if (this.microphone) this.microphone.getTracks().forEach((track) => track.stop());
      if (this.context && this.context.state !== "closed") setTimeout(() => this.context.close(), 1000);
      this.processor = this.microphone = null;
      this.startButton.disabled = false;
      this.stopButton.hidden = true;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-sandbox]").forEach((section) => new Sandbox(section));
    document.querySelectorAll("[data-voice]").forEach((section) => new VoiceChat(section));
  });
})();
