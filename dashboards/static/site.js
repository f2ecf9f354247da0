// A click on a commune of the map opens its page (the list of communes under the map gives the same links).
document.querySelectorAll(".plotly-graph-div").forEach(function (div) {
  if (!div.on) return;
  div.on("plotly_click", function (ev) {
    var p = ev.points && ev.points[0];
    var url = p && (Array.isArray(p.customdata) ? p.customdata[0] : p.customdata);
    // A click inside a filled shape (a commune of the map) carries no point, only its trace's data.
    if (url === undefined && p && p.data && p.data.customdata) url = p.data.customdata[0];
    if (typeof url === "string" && /\.html$/.test(url)) window.location.href = url;
  });
});
