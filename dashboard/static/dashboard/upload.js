// Shows how much of a file upload has been sent (form[data-upload]): the form goes by XMLHttpRequest, whose upload
// reports its progress, and the browser then opens the page the server answered with. If the server refuses the
// upload, the form is sent again the ordinary way, so that its answer (the fields' errors) shows as a page.
(() => {
  function send(form, event) {
    if (!form.querySelector("input[type=file]").files.length) return;
    event.preventDefault();
    const box = form.querySelector("[data-upload-progress]");
    const bar = box.querySelector("progress");
    box.hidden = false;
    const request = new XMLHttpRequest();
    request.upload.addEventListener("progress", (progress) => {
      if (progress.lengthComputable) bar.value = Math.round((100 * progress.loaded) / progress.total);
    });
    request.addEventListener("load", () => {
      if (request.status < 400) window.location.assign(request.responseURL);
      else form.submit();
    });
    request.addEventListener("error", () => form.submit());
    request.open("POST", form.action || window.location.href);
    request.send(new FormData(form));
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-upload]").forEach((form) => {
      form.addEventListener("submit", (event) => send(form, event));
    });
  });
})();
