// TELITE's own behaviour in the browser; everything else is htmx and Bootstrap.

// A form with data-needs-saved="#service-form, #parts form" waits until those forms have
// no unsaved edits: closing a repair bills the saved service and parts, so labour, a part
// or a correction typed but not saved would be missing from the bill.
(function () {
  // Unsaved: a box, list or tick changed since the page came, or a form the server sent
  // back refused (data-refused): what it shows was typed, and is not saved.
  // A form with data-pending-fields="name unit_cost" (the "add a part" row) holds something
  // unsaved exactly when one of those boxes is filled in, whether typed now or sent back by
  // the server (kept while another part was removed or corrected).
  function unsaved(form) {
    var pending = form.dataset.pendingFields;
    if (pending) {
      return pending.split(/\s+/).some(function (name) {
        var field = form.elements[name];
        return field && field.value.trim() !== "";
      });
    }
    if (form.hasAttribute("data-refused")) return true;
    return Array.from(form.elements).some(function (field) {
      if (field.type === "hidden" || field.type === "submit") return false;
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        // With no option marked selected in the page, the browser shows the first one.
        var options = Array.from(field.options);
        var marked = options.some(function (option) { return option.defaultSelected; });
        return options.some(function (option, index) {
          var initially = marked ? option.defaultSelected : index === 0 && !field.multiple;
          return option.selected !== initially;
        });
      }
      if (!("defaultValue" in field) || field.value === field.defaultValue) return false;
      // An amount typed as it is saved, "350" for "350.00" or "1,500" for "1500.00", is
      // not an edit.
      if (field.inputMode === "decimal") {
        var now = amount(field.value), before = amount(field.defaultValue);
        if (now !== null && now === before) return false;
      }
      return true;
    });
  }

  function amount(text) {
    var plain = String(text).replace(/^\s*(₹|rs\.?)/i, "").replace(/\/-\s*$/, "").replace(/[,\s]/g, "");
    return /^\d+(\.\d+)?$/.test(plain) ? Number(plain) : null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var selector = form.dataset && form.dataset.needsSaved;
    if (!selector) return;
    var other = Array.from(document.querySelectorAll(selector)).find(unsaved);
    if (!other) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var note = form.querySelector("[data-unsaved-note]");
    if (note) note.hidden = false;
    var save = other.querySelector("[type=submit]");
    if (save) save.focus();
  }, true);

  // A form with data-warn-unsaved is not dropped silently: leaving the page with edits in
  // it (a link, a reload, or another form of the page, such as adding photos) asks first,
  // with the browser's own "Leave page?" question. Sending that form itself does not.
  var sending = null;
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) sending = event.target;
  });
  window.addEventListener("beforeunload", function (event) {
    var forms = document.querySelectorAll("form[data-warn-unsaved]");
    var dirty = Array.from(forms).some(function (form) {
      return form !== sending && unsaved(form);
    });
    sending = null;
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
      // If the answer is "Stay", the form that was being sent may be sent again at once:
      // the double-tap guard below must not take that second click for a double tap.
      document.querySelectorAll("form").forEach(function (form) { form.telitePostedAt = 0; });
    }
  });
})();

// A form posted by a double tap is sent once: a second submit of the same form within a
// few seconds, before the page has gone, is dropped. (Intake, payments, parts and leads also
// carry one-time keys on the server; htmx forms queue their own requests.)
(function () {
  var AGAIN_AFTER_MS = 4000;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post")) return;
    var now = Date.now();
    if (form.telitePostedAt && now - form.telitePostedAt < AGAIN_AFTER_MS) {
      event.preventDefault();
      return;
    }
    form.telitePostedAt = now;
  });
  // Back to a page kept by the browser: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form").forEach(function (form) { form.telitePostedAt = 0; });
  });
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

// On a phone a list's rows are stacked as cards (telite.css, .table-stack): each cell is
// shown under its column's name, copied here from the table's header, so that the status
// and the technician are not hidden past the right edge of a table scrolling sideways.
(function () {
  function label(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var names = [];
    Array.from(head.cells).forEach(function (cell) {
      for (var i = 0; i < cell.colSpan; i++) names.push(cell.textContent.trim());
    });
    Array.from(table.tBodies).forEach(function (body) {
      Array.from(body.rows).forEach(function (row) {
        var column = 0;
        Array.from(row.cells).forEach(function (cell) {
          var name = names[column];
          column += cell.colSpan;
          // A cell spanning the row ("No devices match") is a message, not a field.
          if (name && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", name);
          }
        });
      });
    });
  }

  function labelWithin(root) {
    var table = root.closest && root.closest("table.table-stack");
    if (table) label(table);
    if (root.querySelectorAll) root.querySelectorAll("table.table-stack").forEach(label);
  }

  if (window.htmx) {
    window.htmx.onLoad(labelWithin);  // the first page, and every part htmx swaps in
  } else {
    document.addEventListener("DOMContentLoaded", function () { labelWithin(document); });
  }
})();

// An htmx action the server refused or could not answer changed nothing on screen (htmx
// does not swap error responses): say so where the person is looking, and what to do.
(function () {
  var SAID = {
    403: "That was not saved: you are not allowed to do it any more (the job may have " +
      "been reassigned, or the form was open across a log-out). Reload the page to see it as it is now.",
    404: "That was not saved: the record is no longer there. Reload the page.",
    500: "That may not have been saved: the server met an error. Reload the page and check before trying again.",
    0: "That was not sent: no connection to TELITE. Check the network, then try again."
  };

  function tell(text) {
    var main = document.querySelector("main");
    if (!main) { window.alert(text); return; }
    var box = document.getElementById("htmx-error");
    if (!box) {
      box = document.createElement("div");
      box.id = "htmx-error";
      box.className = "alert alert-danger alert-dismissible d-flex align-items-start gap-2";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = "";
    var message = document.createElement("div");
    message.className = "flex-grow-1";
    message.textContent = text;
    var reload = document.createElement("button");
    reload.type = "button";
    reload.className = "btn btn-sm btn-danger text-nowrap flex-shrink-0";
    reload.textContent = "Reload";
    reload.addEventListener("click", function () { window.location.reload(); });
    box.append(message, reload);
    box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 500;
    tell(SAID[status] || SAID[500]);
  });
  document.addEventListener("htmx:sendError", function () { tell(SAID[0]); });
})();

// After a spare part is added in place, the cursor is back in "Part" for the next one: a
// technician entering several parts types them one after another.
(function () {
  // After settling: until then htmx still holds the old classes on the re-rendered
  // fields, so a refused field is not yet marked is-invalid.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "parts") return;
    var config = event.detail.requestConfig;
    if (!config || !/\/parts\/?$/.test(config.path || "")) return;  // an add, not a removal
    var field = document.querySelector("#parts .is-invalid") || document.getElementById("part-name");
    if (field) field.focus();
  });
})();

// A form sent back with errors puts the cursor in the first field to fix, scrolled into
// view, instead of a field marked "autofocus" at the top (on a phone the refused field can
// be a screen or two below).
(function () {
  function focusFirstError() {
    var field = document.querySelector("main form .is-invalid");
    if (!field || typeof field.focus !== "function") return;
    document.querySelectorAll("[autofocus]").forEach(function (other) {
      other.removeAttribute("autofocus");
    });
    field.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();

// A device assigned in place on the assignment list: every other row's menu gets the
// technician's new "(N in repair)", so the next choice is made on today's load.
document.addEventListener("telite:technician-load", function (event) {
  var detail = event.detail || {};
  document.querySelectorAll('select[name="technician"] option').forEach(function (option) {
    if (option.value === String(detail.pk)) option.textContent = detail.label;
  });
});
