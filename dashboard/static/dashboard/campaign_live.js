// A campaign's progress as it goes: the events stream (/ws/events/) says when calls start or end or the campaign
// changes, and the progress part of the page (#campaign-progress, htmx) is asked for again; it also refreshes every
// few seconds by itself, so a missed event only delays it. Once the campaign is over, the part comes back without
// [data-campaign-live] and the stream is closed.
document.addEventListener("DOMContentLoaded", async () => {
  const root = document.querySelector("[data-campaign-live]");
  if (!root) return;
  const id = Number(root.dataset.campaignLive);
  let socket;
  try {
    socket = await window.openSocket(root, "/ws/events/");
  } catch {
    return; // the periodic refresh still runs
  }
  socket.addEventListener("message", (event) => {
    if (!document.querySelector("[data-campaign-live]")) {
      socket.close();
      return;
    }
    const { type, data } = JSON.parse(event.data);
    if (type.startsWith("call.") || data.campaign_id === id) window.htmx.trigger(document.body, "campaign-event");
  });
});
