// TELITE's own behaviour in the browser; everything else is htmx and Bootstrap.

// A form with data-needs-saved="#other-form" waits until that form has no unsaved edits:
// closing a repair bills the saved service, so labour typed but not saved would be lost.
(function () {
  function unsaved(form) {
    return Array.from(form.elements).some(function (field) {
      return field.type !== "hidden" && "defaultValue" in field &&
        field.value !== field.defaultValue;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var selector = form.dataset && form.dataset.needsSaved;
    var other = selector && document.querySelector(selector);
    if (!other || !unsaved(other)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var note = form.querySelector("[data-unsaved-note]");
    if (note) note.hidden = false;
    var save = other.querySelector("[type=submit]");
    if (save) save.focus();
  }, true);
})();

// A form with data-confirm="…" asks before it is sent: one click hands a device over, and
// in a list of devices waiting for collection the wrong row is one line away.
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.dataset && form.dataset.confirm;
    if (!question || event.defaultPrevented) return;
    if (!window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
