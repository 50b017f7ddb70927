// The brand editor's live preview: each field, as it is typed, shows in the preview (no inline script under the CSP).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("brand-form");
  const preview = document.getElementById("brand-preview");
  if (!form || !preview) return;
  const part = (name) => preview.querySelector(`[data-preview="${name}"]`);
  const value = (name) => form.elements[name].value.trim();
  const colour = /^#[0-9a-fA-F]{6}$/;

  function update() {
    const name = value("product_name") || part("name").dataset.fallback;
    part("name").textContent = name;
    part("sender").textContent = value("sender_name") || name;
    part("support").textContent = value("support_email") ? ` · replies to ${value("support_email")}` : "";
    const accent = colour.test(value("primary_colour")) ? value("primary_colour") : "";
    preview.style.setProperty("--accent", accent || null);
  }

  // The chosen logo file, read as a data: URL (the CSP allows images from 'self' and data: only).
  function showLogo() {
    const [file] = form.elements.logo.files;
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      part("logo").src = reader.result;
      part("logo").hidden = false;
    });
    reader.readAsDataURL(file);
  }

  part("name").dataset.fallback = part("name").textContent;
  form.addEventListener("input", update);
  form.elements.logo.addEventListener("change", showLogo);
});
