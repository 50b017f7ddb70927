// The dashboard's Alpine components. Alpine's CSP build evaluates no expressions from the page: every piece of
// state and behaviour a template names (x-data="menu", x-on:click="toggle") is registered here.
document.addEventListener("alpine:init", () => {
  // The main navigation, folded behind a button at phone width.
  window.Alpine.data("menu", () => ({
    open: false,
    toggle() {
      this.open = !this.open;
    },
    get navClass() {
      return this.open ? "open" : "";
    },
  }));

  // Copies a one-time value (an API key, an invitation link) from the element marked x-ref="text".
  window.Alpine.data("copy", () => ({
    label: "",
    async copy() {
      try {
        await navigator.clipboard.writeText(this.$refs.text.textContent.trim());
        this.label = "Copied.";
      } catch {
        this.label = "Select the text and copy it.";
      }
    },
  }));
});

// Opens one of our WebSockets from a page of the session: browsers cannot set an Authorization header on a socket,
// so the page first asks its server (a POST under CSRF, the token taken from `root`'s {% csrf_token %} input) for a
// ticket of the session's user to that one socket, and offers it as a subprotocol, out of the URL and so of access
// logs (tenants.channels.SOCKET_PROTOCOL).
window.openSocket = async (root, path) => {
  const response = await fetch(root.dataset.tokenUrl, {
    method: "POST",
    headers: { "X-CSRFToken": root.querySelector("input[name=csrfmiddlewaretoken]").value },
    body: new URLSearchParams({ socket: path }),
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const { token } = await response.json();
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return new WebSocket(`${scheme}://${window.location.host}${path}`, ["voiceagents.socket-token", token]);
};

// Variables completed as they are typed in a text (the flow builder's, an agent's greeting and prompt): after `{`
// (or `{answers.`), a list under the field offers the variables that fit; arrows choose, Enter or Tab takes one
// (closing the brace), Escape closes the list.
window.VariableSuggestions = class {
  constructor(field, names) {
    this.field = field;
    this.names = names;
    this.options = [];
    this.list = document.createElement("ul");
    this.list.className = "suggestions";
    this.list.id = `${field.id}-suggestions`;
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "Variables");
    this.list.hidden = true;
    field.after(this.list);
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", this.list.id);
    field.addEventListener("input", () => this.update());
    field.addEventListener("keydown", (event) => this.key(event));
    field.addEventListener("blur", () => this.close());
  }

  typed() {
    const found = /\{([\w.]*)$/.exec(this.field.value.slice(0, this.field.selectionStart));
    return found ? found[1] : null;
  }

  update() {
    const typed = this.typed();
    this.options = typed === null ? [] : this.names().filter((name) => name.startsWith(typed)).slice(0, 8);
    this.active = 0;
    this.render();
  }

  render() {
    this.list.hidden = this.options.length === 0;
    this.list.replaceChildren(
      ...this.options.map((name, index) => {
        const option = document.createElement("li");
        option.id = `${this.list.id}-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(index === this.active));
        option.textContent = `{${name}}`;
        // On mousedown, before the field's blur closes the list.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          this.accept(index);
        });
        return option;
      }),
    );
    if (this.list.hidden) this.field.removeAttribute("aria-activedescendant");
    else this.field.setAttribute("aria-activedescendant", `${this.list.id}-${this.active}`);
  }

  key(event) {
    if (this.list.hidden) return;
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves) {
      this.active = (this.active + moves[event.key] + this.options.length) % this.options.length;
      this.render();
    } else if (event.key === "Enter" || event.key === "Tab") {
      this.accept(this.active);
    } else if (event.key === "Escape") {
      this.close();
    } else return;
    event.preventDefault();
  }

  accept(index) {
    const at = this.field.selectionStart;
    const before = this.field.value.slice(0, at).replace(/\{[\w.]*$/, `{${this.options[index]}}`);
    const after = this.field.value.slice(at).replace(/^[\w.]*\}?/, "");
    this.field.value = before + after;
    this.field.selectionStart = this.field.selectionEnd = before.length;
    this.close();
    this.field.dispatchEvent(new Event("input"));
  }

  close() {
    this.options = [];
    this.render();
  }
};

// The texts of a page that may use variables: inside an element whose data-variables names them.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-variables] textarea").forEach((field) => {
    const names = field.closest("[data-variables]").dataset.variables.split(" ");
    new window.VariableSuggestions(field, () => names);
  });
});
