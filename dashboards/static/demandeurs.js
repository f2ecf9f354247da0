// The applicants' selector: the page embeds its published figures (each with its text in French, a missing
// one with its reason); a choice of commune and typology writes them in the result panel, beside the EPCI's.
// Built with textContent only: nothing of the data is read as HTML.
(function () {
  var source = document.getElementById("demandeurs-donnees");
  var form = document.getElementById("choix");
  var panel = document.getElementById("resultat");
  if (!source || !form || !panel) return;
  var data = JSON.parse(source.textContent);
  var commune = document.getElementById("choix-commune");
  var typologie = document.getElementById("choix-typologie");
  var words = {};
  data.typologies.forEach(function (t) { words[t[0]] = t[1]; });

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function placeOf(choice) {
    if (choice === data.epci) return { key: data.epci, nom: data.lieux[data.epci].nom, note: "" };
    var c = data.communes[choice];
    return c && { key: c.lieu, nom: c.nom, note: c.note };
  }

  function show() {
    panel.textContent = "";
    var place = placeOf(commune.value);
    if (!place) {
      panel.appendChild(el("p", "Choisissez une commune pour voir ses chiffres."));
      return;
    }
    var typo = typologie.value;
    var here = data.lieux[place.key].cases[typo];
    var epci = place.key === data.epci ? null : data.lieux[data.epci].cases[typo];
    panel.appendChild(el("h3", place.nom + " — " + words[typo] + " — " + data.periode));
    if (place.note) panel.appendChild(el("p", place.note, "note"));
    var list = el("dl", "", "chiffres");
    data.rubriques.forEach(function (r) {
      list.appendChild(el("dt", r[1]));
      var dd = el("dd");
      dd.appendChild(el("span", here[r[0]].texte, here[r[0]].valeur === null ? "ici manque" : "ici"));
      if (epci) dd.appendChild(el("span", data.lieux[data.epci].nom + " : " + epci[r[0]].texte, "comparaison"));
      list.appendChild(dd);
    });
    panel.appendChild(list);
    panel.appendChild(el("p", data.difference, "note"));
  }

  form.hidden = false;
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  commune.addEventListener("change", show);
  typologie.addEventListener("change", show);
  show();
})();
