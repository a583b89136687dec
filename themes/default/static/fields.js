// Conditional fields of declared forms (templates/fields.html): a field with data-show-if shows
// only while the named input holds data-show-value. Hidden inputs are disabled so they are not
// posted; without this script every field shows and the server ignores what does not apply.
(function () {
  "use strict";

  function currentValues(form, name) {
    var values = [];
    form.querySelectorAll("[name]").forEach(function (input) {
      if (input.name !== name || input.disabled) return;
      if (input.hasAttribute("data-boolean")) {
        values.push(input.checked ? "true" : "false");
      } else if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) values.push(input.value);
      } else {
        values.push(input.value);
      }
    });
    return values;
  }

  function update(form) {
    // In declaration order, so a field controlled by a hidden field hides too.
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var wanted = box.getAttribute("data-show-value");
      var shown = currentValues(form, box.getAttribute("data-show-if")).indexOf(wanted) !== -1;
      box.hidden = !shown;
      box.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = !shown;
      });
    });
    // A group whose every field is hidden hides with them.
    form.querySelectorAll("fieldset[data-group]").forEach(function (group) {
      var fields = group.querySelectorAll("[data-field]");
      var hidden = group.querySelectorAll("[data-field][hidden]");
      group.hidden = fields.length > 0 && fields.length === hidden.length;
    });
  }

  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-show-if]")) return;
    form.addEventListener("change", function () { update(form); });
    form.addEventListener("input", function () { update(form); });
    update(form);
  });
})();
