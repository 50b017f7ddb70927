// The overview's charts, drawn by Chart.js (vendor/chartjs) from the figures the page hands over in json_script
// (#overview-charts): calls per day, their sentiment, and the agent's response time p50/p95. The same figures are in
// the tables below the charts, for screen readers and for reading exact values.
(() => {
  const COLOURS = {
    accent: "#1f5fbf",
    light: "#c5d6f2",
    ok: "#1e7a3c",
    muted: "#8a94a3",
    danger: "#b3261e",
    warn: "#c77700",
  };

  function bars(element, labels, datasets) {
    return new window.Chart(element, {
      type: "bar",
      data: { labels, datasets },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("overview-charts");
    if (!source || !window.Chart) return;
    const charts = JSON.parse(source.textContent);
    const days = charts.calls.map((day) => day.date.slice(5));
    bars(document.getElementById("chart-calls"), days, [
      { label: "Answered", data: charts.calls.map((day) => day.answered), backgroundColor: COLOURS.accent },
      { label: "Not answered", data: charts.calls.map((day) => day.total - day.answered), backgroundColor: COLOURS.light },
    ]);
    bars(document.getElementById("chart-sentiment"), days, [
      { label: "Positive", data: charts.calls.map((day) => day.positive), backgroundColor: COLOURS.ok },
      { label: "Neutral", data: charts.calls.map((day) => day.neutral), backgroundColor: COLOURS.muted },
      { label: "Negative", data: charts.calls.map((day) => day.negative), backgroundColor: COLOURS.danger },
    ]);
    new window.Chart(document.getElementById("chart-latency"), {
      type: "line",
      data: {
        labels: charts.latency.map((day) => day.date.slice(5)),
        datasets: [
          { label: "p50", data: charts.latency.map((day) => day.p50_ms), borderColor: COLOURS.accent, spanGaps: true },
          { label: "p95", data: charts.latency.map((day) => day.p95_ms), borderColor: COLOURS.warn, spanGaps: true },
        ],
      },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true } } },
    });
  });
})();
