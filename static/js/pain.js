// Pain threshold: as soon as a "highest pain" figure at or above the practice's threshold
// is typed, say so beside the areas, before the note is saved. The server still flags the
// note and asks for the reason when it is saved; this only brings the warning forward.
(function () {
  const form = document.getElementById("note-form");
  const warning = document.getElementById("pain-warning");
  if (!form || !warning) return;
  const threshold = parseInt(form.dataset.painThreshold, 10);
  const highestOut = warning.querySelector("[data-pain-highest]");

  function highest() {
    let top = null;
    form.querySelectorAll('input[name$="-max_pain"]').forEach((input) => {
      const row = input.closest(".area-row");
      const removed = row && row.querySelector('input[name$="-DELETE"]');
      const value = parseInt(input.value, 10);
      if (Number.isNaN(value) || (removed && removed.checked)) return;
      if (top === null || value > top) top = value;
    });
    return top;
  }

  function update() {
    const top = highest();
    const reached = top !== null && top >= threshold;
    warning.hidden = !reached;
    if (reached) highestOut.textContent = String(top);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
