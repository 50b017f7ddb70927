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
