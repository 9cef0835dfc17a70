// The monthly report page: the year to date and its share of the annual plan, previewed as the month's
// amount is typed, and the plausibility note shown when the month is a large share of the plan. The
// figures come from the input's data attributes (data-previous, data-plan, data-plausible-share).
(function () {
  var input = document.getElementById("id_completed_month"), out = document.getElementById("ytd-preview"),
      share = document.getElementById("plan-share"), note = document.getElementById("group-plausibility_note");
  // A read-only page (closed month, submitted report) shows the stored total, not a preview.
  if (!input || !out || input.disabled || input.closest("fieldset:disabled")) return;
  function parse(text) {
    // The same normalisation as the server (portfolio.money): full-width digits, thousands separators
    // and a trailing 万元 are accepted.
    text = text.replace(/[\uff10-\uff19]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); })
               .replace(/[\uff0e\u3002]/g, ".").replace(/[,\s\u3000\uff0c\u00a0'\u2019_]/g, "")
               .replace(/(\u4e07\u5143|\u4e07)$/, "");
    return text === "" ? NaN : Number(text);
  }
  function fmt(v) { return v.toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2}); }
  function show() {
    var v = parse(input.value), plan = parseFloat(input.dataset.plan),
        plausible = parseFloat(input.dataset.plausibleShare);
    if (isNaN(v) || v < 0) { share.textContent = ""; return; }
    var ytd = parseFloat(input.dataset.previous) + v;
    out.textContent = fmt(ytd) + " *";
    if (!isNaN(plan) && plan > 0) {
      share.textContent = share.dataset.label + " " + (ytd * 100 / plan).toFixed(2) + "%";
      if (v * 100 / plan > plausible && note) note.classList.remove("d-none");
    }
  }
  input.addEventListener("input", show);
  show();
})();
