// A call's transcript follows its recording: the turn being heard is marked (aria-current) and kept in view, and a
// turn's time button plays the recording from there. Turns carry their moment in the recording as data-at (seconds).
(() => {
  function follow(audio) {
    const transcript = document.getElementById(audio.dataset.follow);
    if (!transcript) return;
    const turns = [...transcript.querySelectorAll("[data-at]")].map((element) => ({
      element,
      at: Number(element.dataset.at),
    }));
    let current = null;
    audio.addEventListener("timeupdate", () => {
      const heard = turns.filter((turn) => turn.at <= audio.currentTime + 0.05).pop() || null;
      if (heard === current) return;
      if (current) current.element.removeAttribute("aria-current");
      current = heard;
      if (current) {
        current.element.setAttribute("aria-current", "true");
        current.element.scrollIntoView({ block: "nearest" });
      }
    });
    transcript.querySelectorAll("[data-seek]").forEach((button) => {
      button.addEventListener("click", () => {
        audio.currentTime = Number(button.dataset.seek);
        audio.play().catch(() => {});
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("audio[data-follow]").forEach(follow);
  });
})();
