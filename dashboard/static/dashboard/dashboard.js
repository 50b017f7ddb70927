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
