// The rate-tree constructor (services/tree.html) and the "Try a rate" panel (services/view.html).
// Without this script both pages still work: the tree is read one level per page through its
// links, and the panel is a plain GET form. With it, levels open in place (only the opened
// levels are in the page, a page of children at a time) and every edit is one JSON request
// to /ui/rate-tree/…, so a large tree never reloads.
(function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else node.setAttribute(name, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  // --- Try a rate ---------------------------------------------------------------------------
  function tryPanel(panel) {
    var form = panel.querySelector("[data-try-form]");
    if (!form) return;
    function load(run) {
      var params = new URLSearchParams(new FormData(form));
      params.set("partial", "1");
      if (run) params.set("run", "1");
      panel.setAttribute("aria-busy", "true");
      return fetch(form.getAttribute("action").split("#")[0] + "?" + params.toString(), {
        headers: { Accept: "text/html" }, credentials: "same-origin"
      })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("[data-try-panel]");
          if (!fresh) return;
          panel.replaceWith(fresh);
          tryPanel(fresh);
          var focus = run ? fresh.querySelector("[data-try-result]") : fresh.querySelector("[data-try-resource]");
          if (focus && run) focus.setAttribute("tabindex", "-1");
          if (focus) focus.focus();
        })
        .catch(function () { form.submit(); });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load(true);
    });
    var resource = form.querySelector("[data-try-resource]");
    if (resource) resource.addEventListener("change", function () { load(false); });
  }
  document.querySelectorAll("[data-try-panel]").forEach(tryPanel);

  // --- the constructor ------------------------------------------------------------------------
  var table = document.querySelector("table[data-tree]");
  if (!table) return;
  var tbody = table.tBodies[0];
  var scopeId = table.getAttribute("data-scope-id");
  var canManage = table.getAttribute("data-can-manage") === "true";
  var csrf = table.getAttribute("data-csrf");
  var priceTypes = JSON.parse(table.getAttribute("data-price-types"));
  var typeLabels = JSON.parse(table.getAttribute("data-type-labels"));
  var billingRules = table.getAttribute("data-billing-rules").split(" ");
  var quantityRules = table.getAttribute("data-quantity-rules").split(" ");
  var BASE = "/ui/rate-tree";
  var PAGE = 200;
  var catalogue = null;

  function api(method, url, body) {
    var headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrf;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var errors = data.errors && data.errors.length ? data.errors : [{ field: "", message: data.detail || ("request failed (" + response.status + ")") }];
          throw { errors: errors };
        }
        return data;
      });
    });
  }

  function loadCatalogue() {
    if (catalogue) return Promise.resolve(catalogue);
    return api("GET", BASE + "/domains").then(function (data) {
      catalogue = {};
      data.items.forEach(function (d) {
        var resources = {};
        d.resources.forEach(function (r) { resources[r.key] = r; });
        catalogue[d.key] = { name: d.name, resources: resources, list: d.resources };
      });
      return catalogue;
    });
  }

  function attributesOf(ctx) {
    var domain = catalogue && catalogue[ctx.domain];
    var resource = domain && domain.resources[ctx.resource];
    return resource ? resource.attributes : [];
  }

  // Where a row sits: its domain, resource, the attributes branched on above it, and the
  // attribute its parent branches on (what its key is a value of).
  function childContext(row) {
    var node = row.node, ctx = row.ctx;
    if (node.kind === "domain") return { domain: node.key, resource: "", used: [], parentAttr: "", parentKind: "domain" };
    var used = ctx.used.slice();
    if (node.depends_on) used.push(node.depends_on);
    return {
      domain: ctx.domain, resource: node.kind === "resource" ? node.key : ctx.resource,
      used: used, parentAttr: node.depends_on || "", parentKind: node.kind
    };
  }

  function depthOf(tr) { return parseInt(tr.getAttribute("data-depth"), 10) || 0; }

  function priceText(node) {
    if (node.price_type === "flat") return node.price;
    if (node.price_type !== "scale") return "";
    var parts = (node.tiers || []).map(function (t) {
      return t.up_to ? "≤ " + t.up_to + ": " + t.price : "then " + t.price;
    });
    var text = (node.scale === "tier" ? "Tier" : "Back to first") + ": " + parts.join("; ");
    if (node.counter_group && node.counter_group.length) text += " · per " + node.counter_group.join(", ");
    return text;
  }

  function typeText(node) {
    if (node.price_type === "depends_on") return "Depends on " + node.depends_on;
    return node.price_type ? (typeLabels[node.price_type] || node.price_type) : "";
  }

  function button(label, action, extra) {
    return el("button", Object.assign({ type: "button", class: "btn btn-secondary btn-small", "data-action": action, text: label }, extra || {}));
  }

  function fillRow(tr, node, ctx) {
    tr.node = node;
    tr.ctx = ctx;
    tr.setAttribute("data-id", node.id);
    tr.setAttribute("data-kind", node.kind);
    tr.setAttribute("data-key", node.key);
    var expanded = tr.getAttribute("data-expanded") === "true";
    var toggle = node.has_children || node.depends_on || node.kind === "domain"
      ? el("button", { type: "button", class: "tree-toggle", "data-action": "toggle", "aria-expanded": expanded ? "true" : "false", "aria-label": (expanded ? "Collapse " : "Expand ") + node.label, text: expanded ? "▾" : "▸" })
      : el("span", { class: "tree-toggle tree-leaf", "aria-hidden": "true" });
    var name = el("td", { class: "tree-name" }, [
      toggle,
      el("span", { class: "tree-label", text: node.label }),
      node.kind === "value" && node.key !== "*" && node.label !== node.key ? el("span", { class: "muted tree-key", text: " " + node.key }) : null,
      node.incomplete ? el("span", { class: "tree-warn", role: "img", "aria-label": "Incomplete", title: node.price_type ? "Incomplete: no children yet" : "Incomplete: no price type", text: "!" }) : null
    ]);
    var actions = el("td", { class: "col-actions tree-actions" });
    if (canManage) {
      if (node.kind !== "domain") actions.append(button("Edit", "edit", { "aria-label": "Edit " + node.label }));
      if (node.kind === "domain" || node.depends_on) actions.append(button("Add", "add", { "aria-label": "Add below " + node.label }));
      actions.append(button("Delete", "delete", { "aria-label": "Delete " + node.label, class: "btn btn-danger-outline btn-small" }));
    }
    tr.replaceChildren(
      name,
      el("td", { class: "tree-type", "data-label": "Price type", text: typeText(node) }),
      el("td", { class: "tree-price", "data-label": "Price", text: priceText(node) }),
      el("td", { class: "tree-billing", "data-label": "Billing", text: node.billing_rule_shown || "" }),
      el("td", { class: "tree-quantity", "data-label": "Quantity", text: (node.quantity_rule_shown || "").replace("_", " ") }),
      actions
    );
  }

  function newRow(node, ctx, depth) {
    var tr = el("tr", { class: "tree-row depth-" + Math.min(depth, 12), "data-depth": depth });
    fillRow(tr, node, ctx);
    return tr;
  }

  // The rows below ``tr`` (its open descendants, editors and "more" rows).
  function below(tr) {
    var out = [], depth = depthOf(tr), next = tr.nextElementSibling;
    while (next && (depthOf(next) > depth || (next.classList.contains("tree-editor") && next.owner === tr))) {
      out.push(next);
      next = next.nextElementSibling;
    }
    return out;
  }

  function collapse(tr) {
    below(tr).forEach(function (row) { row.remove(); });
    tr.setAttribute("data-expanded", "false");
    fillRow(tr, tr.node, tr.ctx);
  }

  function showChildren(parent, after, anchor) {
    var depth = parent ? depthOf(parent) + 1 : 0;
    var ctx = parent ? childContext(parent) : rootCtx;
    var url = BASE + "/scopes/" + scopeId + "/nodes?limit=" + PAGE + (parent ? "&parent=" + parent.node.id : (rootParent ? "&parent=" + rootParent : ""));
    if (after !== null && after !== undefined) url += "&after=" + after;
    return api("GET", url).then(function (page) {
      var frag = document.createDocumentFragment();
      page.items.forEach(function (node) { frag.append(newRow(node, ctx, depth)); });
      if (page.next_after !== null) {
        var more = el("tr", { class: "tree-more", "data-depth": depth }, [
          el("td", { colspan: "6" }, [button("Show more", "more")])
        ]);
        more.parentRow = parent;
        more.afterPosition = page.next_after;
        frag.append(more);
      }
      if (!page.items.length && parent) {
        frag.append(el("tr", { class: "tree-none", "data-depth": depth }, [el("td", { colspan: "6", class: "muted", text: "No children yet." })]));
      }
      if (anchor) anchor.after(frag);
      else tbody.append(frag);
      return page;
    });
  }

  function expand(tr) {
    tr.setAttribute("data-expanded", "true");
    fillRow(tr, tr.node, tr.ctx);
    tr.setAttribute("aria-busy", "true");
    return showChildren(tr, null, tr).then(function () {
      tr.removeAttribute("aria-busy");
    }, function (failure) {
      tr.removeAttribute("aria-busy");
      showErrors(tr, failure);
    });
  }

  // A node just added under an open row goes after its open children, the rest of the tree
  // staying as it is; when more pages of children are still to load, it is the last of them
  // and comes with "Show more".
  function appendChild(parent, node) {
    var rows = below(parent);
    rows.filter(function (r) { return r.classList.contains("tree-none"); }).forEach(function (r) { r.remove(); });
    rows = below(parent);
    var depth = depthOf(parent) + 1;
    if (rows.some(function (r) { return r.classList.contains("tree-more") && depthOf(r) === depth; })) return;
    (rows.length ? rows[rows.length - 1] : parent).after(newRow(node, childContext(parent), depth));
  }

  function refresh(tr) {
    // The row again from the server (its incomplete mark, children flag, inherited rules).
    return api("GET", BASE + "/nodes/" + tr.node.id).then(function (node) {
      var open = tr.getAttribute("data-expanded") === "true";
      if (open) collapse(tr);
      fillRow(tr, node, tr.ctx);
      if (open) return expand(tr);
    });
  }

  // --- editors --------------------------------------------------------------------------------
  function closeEditors() {
    tbody.querySelectorAll("tr.tree-editor").forEach(function (row) { row.remove(); });
  }

  function editorRow(owner, title) {
    closeEditors();
    var form = el("form", { class: "tree-form", novalidate: true });
    var errors = el("div", { class: "tree-errors", role: "alert" });
    var box = el("div", { class: "tree-edit" }, [el("p", { class: "tree-edit-title", text: title }), errors, form]);
    var tr = el("tr", { class: "tree-editor", "data-depth": owner ? depthOf(owner) + 1 : 0 }, [el("td", { colspan: "6" }, [box])]);
    tr.owner = owner;
    tr.form = form;
    tr.errors = errors;
    if (owner) owner.after(tr);
    else tbody.append(tr);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        tr.remove();
        if (owner) { var again = owner.querySelector("[data-action]"); if (again) again.focus(); }
      }
    });
    return tr;
  }

  function showErrors(tr, failure) {
    var editor = tr.classList.contains("tree-editor") ? tr : null;
    var target = editor ? editor.errors : null;
    if (!target) {
      var row = editorRow(tr, "Could not load");
      target = row.errors;
    }
    target.replaceChildren.apply(target, (failure.errors || [{ message: String(failure) }]).map(function (e) {
      return el("p", { class: "field-error", text: e.message });
    }));
    (editor ? editor.form : target).querySelectorAll("[data-field]").forEach(function (input) {
      var bad = (failure.errors || []).some(function (e) { return e.field && e.field.split(".").pop() === input.getAttribute("data-field"); });
      input.closest(".field").classList.toggle("has-error", bad);
    });
  }

  function field(label, input, hint) {
    return el("label", { class: "field" }, [el("span", { class: "label", text: label }), input, hint ? el("span", { class: "hint", text: hint }) : null]);
  }

  function select(name, options, value) {
    var s = el("select", { name: name, "data-field": name });
    options.forEach(function (o) { s.append(new Option(o[1], o[0], false, o[0] === value)); });
    if (value !== undefined && value !== null) s.value = value;
    return s;
  }

  function ruleSelect(name, choices, own, shown) {
    var options = [["", shown && shown.indexOf("Default") === 0 && own === null ? shown : "Default (inherited)"]];
    choices.forEach(function (c) { options.push([c, c.replace("_", " ")]); });
    return select(name, options, own || "");
  }

  // The price fields of one rate: type, depends on, price, scale and tiers, counter group.
  function rateFields(form, ctx, node) {
    var attributes = attributesOf(ctx);
    var free = attributes.filter(function (a) { return ctx.used.indexOf(a.key) < 0 || (node && node.depends_on === a.key); });
    var type = select("type", [["", "— not priced —"]].concat(priceTypes), node ? node.price_type || "" : "");
    var dependsOn = select("depends_on", free.map(function (a) { return [a.key, a.name]; }), node && node.depends_on ? node.depends_on : (free[0] ? free[0].key : ""));
    var price = el("input", { type: "text", name: "price", "data-field": "price", inputmode: "decimal", value: node && node.price_type === "flat" ? node.price : "", maxlength: "40" });
    var scale = select("scale", [["tier", "Tier"], ["back_to_first", "Back to first"]], node && node.scale ? node.scale : "tier");
    var tiers = el("div", { class: "tree-tiers" });
    function addTier(upTo, value) {
      var row = el("div", { class: "tree-tier" }, [
        field("Up to", el("input", { type: "number", min: "1", step: "1", name: "up_to", "data-field": "up_to", value: upTo || "" }), null),
        field("Price", el("input", { type: "text", inputmode: "decimal", name: "tier_price", "data-field": "price", value: value || "", maxlength: "40" }), null),
        el("button", { type: "button", class: "btn btn-secondary btn-small", "data-remove-tier": true, text: "Remove" })
      ]);
      row.querySelector("[data-remove-tier]").addEventListener("click", function () { row.remove(); });
      tiers.append(row);
    }
    ((node && node.tiers) || [{}, {}]).forEach(function (t) { addTier(t.up_to, t.price); });
    var addTierButton = el("button", { type: "button", class: "btn btn-secondary btn-small", text: "Add tier" });
    addTierButton.addEventListener("click", function () { addTier("", ""); });
    var group = el("fieldset", { class: "tree-group" }, [el("legend", { text: "Counter group" })].concat(attributes.map(function (a) {
      var box = el("input", { type: "checkbox", name: "counter_group", value: a.key, checked: !!(node && node.counter_group && node.counter_group.indexOf(a.key) >= 0) });
      return el("label", { class: "check" }, [box, " " + a.name]);
    })));
    var dependsField = field("Depends on", dependsOn, free.length ? null : "every attribute of this resource is used above");
    var priceField = field("Price", price, "In the service's currency, up to six decimals");
    var scaleBox = el("div", { class: "tree-scale" }, [field("Scale", scale), el("p", { class: "hint", text: "Each tier but the last has an “up to” threshold; leave the last one's empty." }), tiers, addTierButton, group]);
    function sync() {
      dependsField.hidden = type.value !== "depends_on";
      priceField.hidden = type.value !== "flat";
      scaleBox.hidden = type.value !== "scale";
    }
    type.addEventListener("change", sync);
    form.append(field("Price type", type), dependsField, priceField, scaleBox);
    sync();
    return function read() {
      if (!type.value) return null;
      if (type.value === "depends_on") return { depends_on: dependsOn.value };
      if (type.value === "flat") return { type: "flat", price: price.value.trim() };
      if (type.value !== "scale") return { type: type.value };
      var list = Array.prototype.map.call(tiers.querySelectorAll(".tree-tier"), function (row, i, all) {
        var upTo = row.querySelector("[name=up_to]").value.trim();
        var tier = { price: row.querySelector("[name=tier_price]").value.trim() };
        if (upTo !== "" || i < all.length - 1) tier.up_to = upTo === "" ? null : (/^\d+$/.test(upTo) ? parseInt(upTo, 10) : upTo);
        return tier;
      });
      var counted = Array.prototype.filter.call(group.querySelectorAll("input:checked"), function () { return true; }).map(function (b) { return b.value; });
      return { type: "scale", scale: scale.value, tiers: list, counter_group: counted };
    };
  }

  function actionsBar(tr, label) {
    var cancel = el("button", { type: "button", class: "btn btn-secondary btn-small", text: "Cancel" });
    cancel.addEventListener("click", function () { tr.remove(); });
    tr.form.append(el("div", { class: "form-actions" }, [cancel, el("button", { type: "submit", class: "btn btn-primary btn-small", text: label })]));
  }

  function valuePicker(ctx) {
    var attribute = attributesOf(ctx).filter(function (a) { return a.key === ctx.parentAttr; })[0];
    var listId = "tree-values-" + Date.now();
    var input = el("input", { type: "text", name: "key", "data-field": "key", list: listId, autocomplete: "off", maxlength: "100", required: true });
    var options = el("datalist", { id: listId });
    var others = el("button", { type: "button", class: "btn btn-secondary btn-small", text: "Others" });
    others.addEventListener("click", function () { input.value = "*"; input.focus(); });
    var timer = null;
    if (attribute && attribute.dictionary) {
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () {
          api("GET", BASE + "/dictionaries/" + encodeURIComponent(attribute.dictionary) + "?q=" + encodeURIComponent(input.value.trim())).then(function (data) {
            options.replaceChildren.apply(options, data.items.map(function (v) { return new Option(v.key + " · " + v.label, v.key); }));
          }, function () {});
        }, 200);
      });
    }
    var hint = (attribute && attribute.dictionary ? "Type to search " + attribute.dictionary + "; " : "Any value; ") + "“Others” (*) takes every value no sibling names.";
    var label = "Value of " + (attribute ? attribute.name : ctx.parentAttr);
    return { box: el("div", { class: "tree-value" }, [field(label, input, hint), options, others]), input: input };
  }

  // Keys already shown one level below ``owner`` (the top level for null): the pickers leave
  // them out; the server refuses a duplicate all the same.
  function shownKeys(owner) {
    var depth = owner ? depthOf(owner) + 1 : 0;
    var rows = owner ? below(owner) : Array.prototype.slice.call(tbody.querySelectorAll("tr.tree-row"));
    return rows.filter(function (r) { return r.node && depthOf(r) === depth; }).map(function (r) { return r.node.key; });
  }

  function openAdd(owner) {
    loadCatalogue().then(function () {
      var ctx = owner ? childContext(owner) : rootCtx;
      var kind = ctx.parentKind === "" ? "domain" : (ctx.parentKind === "domain" ? "resource" : "value");
      var title = kind === "domain" ? "Add a domain" : kind === "resource" ? "Add a resource to " + (owner ? owner.node.label : "") : "Add a value below " + (owner ? owner.node.label : "");
      var tr = editorRow(owner, title);
      var read = function () { return {}; };
      var first = null;
      if (kind === "domain") {
        var present = shownKeys(null);
        var domains = select("key", Object.keys(catalogue).filter(function (k) { return present.indexOf(k) < 0; }).map(function (k) { return [k, catalogue[k].name]; }));
        tr.form.append(field("Domain", domains));
        first = domains;
        read = function () { return { key: domains.value }; };
      } else if (kind === "resource") {
        var domain = catalogue[ctx.domain];
        var taken = shownKeys(owner);
        var resources = select("key", (domain ? domain.list : []).filter(function (r) { return taken.indexOf(r.key) < 0; }).map(function (r) { return [r.key, r.name]; }));
        var billing = ruleSelect("billing_rule", billingRules, null, null);
        var quantity = ruleSelect("quantity_rule", quantityRules, null, null);
        tr.form.append(field("Resource", resources), field("Billing rule", billing), field("Quantity rule", quantity));
        first = resources;
        read = function () {
          return { key: resources.value, billing_rule: billing.value || null, quantity_rule: quantity.value || null };
        };
      } else {
        var picker = valuePicker(ctx);
        tr.form.append(picker.box);
        first = picker.input;
        var valueCtx = ctx;
        var rate = rateFields(tr.form, valueCtx, null);
        var vb = ruleSelect("billing_rule", billingRules, null, null);
        var vq = ruleSelect("quantity_rule", quantityRules, null, null);
        tr.form.append(field("Billing rule", vb), field("Quantity rule", vq));
        read = function () {
          var r = rate();
          if (r && vb.value) r.billing_rule = vb.value;
          if (r && vq.value) r.quantity_rule = vq.value;
          return { key: picker.input.value.trim(), rate: r };
        };
      }
      actionsBar(tr, "Add");
      tr.form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = read();
        if (owner) body.parent_id = owner.node.id;
        else if (rootParent) body.parent_id = parseInt(rootParent, 10);
        api("POST", BASE + "/scopes/" + scopeId + "/nodes", body).then(function (made) {
          tr.remove();
          if (!owner) {
            var empty = tbody.querySelector(".tree-empty");
            if (empty) empty.remove();
            var row = newRow(made, rootCtx, 0);
            tbody.append(row);
            row.querySelector("[data-action]").focus();
            return;
          }
          return api("GET", BASE + "/nodes/" + owner.node.id).then(function (node) {
            fillRow(owner, node, owner.ctx);
            if (owner.getAttribute("data-expanded") !== "true") return expand(owner);
            appendChild(owner, made);
          }).then(function () {
            var added = tbody.querySelector("tr.tree-row[data-id='" + made.id + "'] [data-action]");
            if (added) added.focus();
          });
        }, function (failure) { showErrors(tr, failure); });
      });
      if (first) first.focus();
    }, function (failure) { showErrors(owner || table, failure); });
  }

  function openEdit(owner) {
    loadCatalogue().then(function () {
      var node = owner.node, ctx = owner.ctx;
      var tr = editorRow(owner, "Edit " + node.label);
      var keyInput = null;
      if (node.kind === "value") {
        var picker = valuePicker(ctx);
        picker.input.value = node.key;
        keyInput = picker.input;
        tr.form.append(picker.box);
      }
      var rateCtx = node.kind === "resource" ? { domain: ctx.domain, resource: node.key, used: [], parentAttr: "" } : ctx;
      var rate = rateFields(tr.form, rateCtx, node);
      var billing = ruleSelect("billing_rule", billingRules, node.billing_rule, node.billing_rule_shown);
      var quantity = ruleSelect("quantity_rule", quantityRules, node.quantity_rule, node.quantity_rule_shown);
      tr.form.append(field("Billing rule", billing), field("Quantity rule", quantity));
      actionsBar(tr, "Save");
      tr.form.addEventListener("submit", function (event) {
        event.preventDefault();
        var r = rate();
        var body = { rate: r };
        if (node.kind === "resource") {
          body.billing_rule = billing.value || null;
          body.quantity_rule = quantity.value || null;
        } else {
          if (r && billing.value) r.billing_rule = billing.value;
          if (r && quantity.value) r.quantity_rule = quantity.value;
          if (keyInput && keyInput.value.trim() !== node.key) body.key = keyInput.value.trim();
        }
        api("PATCH", BASE + "/nodes/" + node.id, body).then(function (saved) {
          tr.remove();
          var rulesMoved = saved.billing_rule_shown !== node.billing_rule_shown || saved.quantity_rule_shown !== node.quantity_rule_shown;
          var again = rulesMoved && owner.getAttribute("data-expanded") === "true" ? refresh(owner) : Promise.resolve(fillRow(owner, saved, owner.ctx));
          return again.then(function () { owner.querySelector("[data-action]").focus(); });
        }, function (failure) { showErrors(tr, failure); });
      });
      var focus = tr.form.querySelector("input, select");
      if (focus) focus.focus();
    }, function (failure) { showErrors(owner, failure); });
  }

  function openDelete(owner) {
    api("GET", BASE + "/nodes/" + owner.node.id).then(function (found) {
      var more = found.subtree_nodes - 1;
      var tr = editorRow(owner, "Delete " + owner.node.label + "?");
      tr.form.append(el("p", { class: "tree-confirm", text: more > 0
        ? "“" + owner.node.label + "” and the " + more + " node" + (more === 1 ? "" : "s") + " below it (" + found.subtree_nodes + " in all) will be deleted. This cannot be undone."
        : "“" + owner.node.label + "” will be deleted. This cannot be undone." }));
      var cancel = el("button", { type: "button", class: "btn btn-secondary btn-small", text: "Cancel" });
      cancel.addEventListener("click", function () { tr.remove(); owner.querySelector("[data-action]").focus(); });
      var confirm = el("button", { type: "submit", class: "btn btn-danger btn-small", text: "Delete " + found.subtree_nodes + " node" + (found.subtree_nodes === 1 ? "" : "s") });
      tr.form.append(el("div", { class: "form-actions" }, [cancel, confirm]));
      tr.form.addEventListener("submit", function (event) {
        event.preventDefault();
        api("DELETE", BASE + "/nodes/" + owner.node.id).then(function () {
          var parent = parentRow(owner);
          below(owner).forEach(function (row) { row.remove(); });
          owner.remove();
          if (!parent) return;
          // the parent's marks may change (a branch left without values); its other open
          // children stay as they are
          return api("GET", BASE + "/nodes/" + parent.node.id).then(function (node) {
            fillRow(parent, node, parent.ctx);
            if (!below(parent).length) {
              parent.after(el("tr", { class: "tree-none", "data-depth": depthOf(parent) + 1 }, [el("td", { colspan: "6", class: "muted", text: "No children yet." })]));
            }
            var focus = parent.querySelector("[data-action]");
            if (focus) focus.focus();
          });
        }, function (failure) { showErrors(tr, failure); });
      });
      confirm.focus();
    }, function (failure) { showErrors(owner, failure); });
  }

  function parentRow(tr) {
    var depth = depthOf(tr), prev = tr.previousElementSibling;
    while (prev && !(prev.classList.contains("tree-row") && depthOf(prev) < depth)) prev = prev.previousElementSibling;
    return prev;
  }

  // --- start: take over the rows the server rendered ------------------------------------------
  var rootParent = table.getAttribute("data-parent-id");
  var rootCtx = {
    domain: table.getAttribute("data-domain"), resource: table.getAttribute("data-resource"),
    used: (table.getAttribute("data-used") || "").split(" ").filter(Boolean),
    parentAttr: table.getAttribute("data-parent-attr"), parentKind: table.getAttribute("data-parent-kind")
  };
  tbody.querySelectorAll("tr.tree-row").forEach(function (tr) {
    var node = JSON.parse(tr.getAttribute("data-node"));
    var ctx = node.kind === "resource" ? Object.assign({}, rootCtx, { domain: rootCtx.domain }) : rootCtx;
    fillRow(tr, node, ctx);
  });
  // The server's "next page" link reloads; in place, the rows page on below instead.
  var nojsMore = tbody.querySelector(".tree-more-nojs");
  if (nojsMore) {
    var lastRow = Array.prototype.slice.call(tbody.querySelectorAll("tr.tree-row")).pop();
    var moreRow = el("tr", { class: "tree-more", "data-depth": 0 }, [el("td", { colspan: "6" }, [button("Show more", "more")])]);
    moreRow.parentRow = null;
    moreRow.afterPosition = lastRow ? lastRow.node.position : null;
    nojsMore.replaceWith(moreRow);
  }
  var foot = document.querySelector("[data-tree-foot]");
  if (foot) foot.hidden = false;
  var addRoot = document.querySelector("[data-add-root]");
  if (addRoot) addRoot.addEventListener("click", function () { openAdd(null); });

  table.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) return;
    var tr = target.closest("tr");
    var action = target.getAttribute("data-action");
    if (action === "more") {
      showChildren(tr.parentRow, tr.afterPosition, tr).then(function () { tr.remove(); });
      return;
    }
    if (action === "toggle") {
      event.preventDefault();
      if (tr.getAttribute("data-expanded") === "true") collapse(tr);
      else expand(tr);
      var again = tr.querySelector("[data-action=toggle]");
      if (again) again.focus();
    } else if (action === "edit") openEdit(tr);
    else if (action === "add") openAdd(tr);
    else if (action === "delete") openDelete(tr);
  });
})();
