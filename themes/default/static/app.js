// Small progressive enhancements; every page still works without JavaScript.
(function () {
  "use strict";

  // Help window: the button is a link to the guide, upgraded to open the dialog.
  document.querySelectorAll("[data-dialog]").forEach(function (opener) {
    var dialog = document.getElementById(opener.getAttribute("data-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return;
    opener.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog || event.target.hasAttribute("data-close")) dialog.close();
    });
  });

  // Dropdown menus close on a click elsewhere or on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details.dropdown"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  // Narrow screens: the main menu folds behind a toggle button (CSS keeps it open while this
  // script has not run, so the menu is never out of reach).
  var sidebar = document.querySelector(".sidebar");
  var toggle = sidebar && sidebar.querySelector(".menu-toggle");
  var menu = sidebar && sidebar.querySelector(".menu");
  if (toggle && menu) {
    menu.id = menu.id || "main-menu";
    toggle.setAttribute("aria-controls", menu.id);
    toggle.hidden = false;
    sidebar.classList.add("menu-collapsible");
    toggle.addEventListener("click", function () {
      var open = sidebar.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && sidebar.classList.contains("menu-open")) {
        sidebar.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // List cells end in "…" when too long: the full text shows on hover.
  function titleTruncated() {
    document.querySelectorAll(".table td[class^='col-']").forEach(function (cell) {
      if (cell.hasAttribute("data-own-title")) return;
      var text = cell.textContent.replace(/\s+/g, " ").trim();
      if (cell.scrollWidth > cell.clientWidth + 1 && text) cell.setAttribute("title", text);
      else cell.removeAttribute("title");
    });
  }
  document.querySelectorAll(".table td[title]").forEach(function (cell) {
    cell.setAttribute("data-own-title", "");
  });
  // A table wider than its card scrolls inside it: keyboard users reach that scroll too.
  function focusScrollers() {
    document.querySelectorAll(".table-card, .table-scroll, .card").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(box).overflowX);
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  function fit() {
    titleTruncated();
    focusScrollers();
  }
  fit();
  window.addEventListener("resize", fit);

  // Fields with an error message say so to assistive technology: aria-invalid, and the message
  // as their description (the messages carry data-error-for="<field name>").
  document.querySelectorAll("[data-error-for]").forEach(function (message) {
    var form = message.closest("form") || document;
    var name = message.getAttribute("data-error-for");
    form.querySelectorAll("[name]").forEach(function (field) {
      if (field.name !== name || field.type === "hidden") return;
      field.setAttribute("aria-invalid", "true");
      var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(message.id) < 0) ids.push(message.id);
      field.setAttribute("aria-describedby", ids.join(" "));
    });
  });

  // Company form: "Creator of resellers" only applies to resellers.
  document.querySelectorAll("[data-type-select]").forEach(function (select) {
    var form = select.form;
    var block = form.querySelector("[data-only-reseller]");
    if (!block) return;
    function sync() {
      var reseller = select.value === "reseller";
      block.hidden = !reseller;
      if (!reseller) block.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.checked = false;
      });
    }
    select.addEventListener("change", sync);
    sync();
  });

  // A note shown only while the checkbox it names is ticked (the server renders the same state).
  document.querySelectorAll("[data-shown-when]").forEach(function (note) {
    var form = note.closest("form");
    var box = form && form.querySelector("input[type=checkbox][name='" + note.getAttribute("data-shown-when") + "']");
    if (!box) return;
    function sync() { note.hidden = !box.checked; }
    box.addEventListener("change", sync);
    sync();
  });

  // A field that applies to some choices of a select only, e.g. a service's size (packs) and
  // currency (not unit packs): <label data-shown-for="type" data-shown-values="a b">. Hidden, it
  // is emptied so the form sends "no value" (the server refuses a currency on a unit pack); the
  // value comes back if the choice returns. The server renders the same state first.
  document.querySelectorAll("[data-shown-for]").forEach(function (block) {
    var form = block.closest("form");
    var select = form && form.elements.namedItem(block.getAttribute("data-shown-for"));
    if (!select || !select.addEventListener) return;
    var values = (block.getAttribute("data-shown-values") || "").split(/\s+/);
    var control = block.querySelector("input, select, textarea");
    var kept = "";
    function sync() {
      var shown = values.indexOf(select.value) >= 0;
      if (!shown && !block.hidden && control) { kept = control.value; control.value = ""; }
      if (shown && block.hidden && control && !control.value) control.value = kept;
      block.hidden = !shown;
    }
    select.addEventListener("change", sync);
    sync();
  });

  // Dependent selects: <select data-depends-on="company_id" data-options-url="/ui/options/x?company_id=">
  // is refilled from the URL plus the chosen value when the select it depends on changes, and
  // gets back the full list the server rendered (nothing picked) when that choice is emptied.
  // The server renders every choice, so the form works without this; the services still refuse
  // a mismatch.
  document.querySelectorAll("select[data-depends-on][data-options-url]").forEach(function (select) {
    var form = select.form;
    var parent = form && form.elements.namedItem(select.getAttribute("data-depends-on"));
    if (!parent || !parent.addEventListener) return;
    var rendered = Array.prototype.slice.call(select.children);
    var blank = select.options.length && select.options[0].value === "" ? select.options[0] : null;
    var request = 0;
    function show(nodes, keep) {
      var before = select.value;
      select.replaceChildren.apply(select, nodes);
      select.value = keep;
      if (select.selectedIndex < 0) select.selectedIndex = 0;
      if (select.value !== before) select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function refresh() {
      var mine = ++request;
      if (!parent.value) {  // nothing chosen above: every choice again, and none picked
        show(rendered.map(function (node) { return node.cloneNode(true); }), "");
        return;
      }
      select.setAttribute("aria-busy", "true");
      fetch(select.getAttribute("data-options-url") + encodeURIComponent(parent.value), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      })
        .then(function (response) {
          if (!response.ok) throw new Error("options: " + response.status);
          return response.json();
        })
        .then(function (options) {
          if (mine !== request) return;
          show((blank ? [blank.cloneNode(true)] : []).concat(options.map(function (o) {
            return new Option(o.label, o.value);
          })), select.value);
        })
        .catch(function () { /* keep what is shown: the server checks the pair anyway */ })
        .then(function () { if (mine === request) select.removeAttribute("aria-busy"); });
    }
    parent.addEventListener("change", refresh);
    if (parent.value) refresh();
  });

  // Whole table rows open their detail page.
  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.classList.add("clickable");
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, form")) return;
      window.location.href = row.getAttribute("data-href");
    });
  });

  // Background job progress: poll the status endpoint until the job is finished.
  var job = document.querySelector("[data-job-status]");
  if (job) {
    var url = job.getAttribute("data-job-status");
    var bar = job.querySelector(".progress-bar");
    var text = job.querySelector("[data-job-text]");
    var done = job.querySelector("[data-job-done]");
    var failed = job.querySelector("[data-job-failed]");
    var poll = function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (bar) bar.style.width = state.percent + "%";
          if (text) text.textContent = state.label;
          if (state.status === "done") {
            if (done) done.hidden = false;
          } else if (state.status === "failed") {
            if (failed) { failed.hidden = false; failed.textContent = state.message || failed.textContent; }
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    poll();
  }
})();
