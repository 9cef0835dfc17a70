'use strict';
// Names for the controls Django's admin leaves unnamed (WCAG 2.1 1.3.1 and 4.1.2): the inputs of
// tabular inlines, whose only label is their column's heading, the autocomplete (select2)
// widgets, whose combobox is named by its (often empty) current value, and the date and time
// inputs of a split date-time field, whose label names neither. The search icons of the two-list
// selectors (filter_horizontal) carry a name without a role that may have one: they become images.
(function () {
  function text(element) {
    return element ? element.textContent.replace(/\s+/g, ' ').trim() : '';
  }

  function unnamed(control) {
    return !(control.labels && control.labels.length) && !control.hasAttribute('aria-label')
      && !control.hasAttribute('aria-labelledby');
  }

  function nameTabularInputs(root) {
    root.querySelectorAll('.tabular table').forEach(function (table) {
      const headings = table.querySelectorAll('thead th');
      table.querySelectorAll('tbody tr.form-row').forEach(function (row) {
        Array.from(row.cells).forEach(function (cell) {
          const name = text(headings[cell.cellIndex]);
          if (!name) return;
          cell.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function (control) {
            if (unnamed(control)) control.setAttribute('aria-label', name);
          });
        });
      });
    });
  }

  function nameAutocompletes(root) {
    root.querySelectorAll('select.admin-autocomplete').forEach(function (select) {
      const label = select.labels && select.labels[0];
      const container = select.nextElementSibling;
      if (!label || !container || !container.classList.contains('select2')) return;
      if (!label.id) label.id = select.id + '-label';
      container.querySelectorAll('[role=combobox], [role=textbox]').forEach(function (element) {
        const labelledBy = (element.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
        if (!labelledBy.includes(label.id)) element.setAttribute('aria-labelledby', [label.id].concat(labelledBy).join(' '));
      });
      container.querySelectorAll('input.select2-search__field').forEach(function (input) {
        if (unnamed(input)) input.setAttribute('aria-label', text(label));
      });
    });
  }

  function nameSplitDateTimes(root) {
    root.querySelectorAll('p.datetime').forEach(function (paragraph) {
      const row = paragraph.closest('.form-row');
      const field = text(row && row.querySelector('label')).replace(/[:：]$/, '');
      paragraph.querySelectorAll('input.vDateField, input.vTimeField').forEach(function (input) {
        if (!unnamed(input)) return;
        const before = input.previousSibling;
        const part = before && before.nodeType === Node.TEXT_NODE ? text(before).replace(/[:：]$/, '') : '';
        input.setAttribute('aria-label', [field, part].filter(Boolean).join(' '));
      });
    });
  }

  function roleForNamedIcons(root) {
    root.querySelectorAll('span.help-tooltip[aria-label]:not([role])').forEach(function (icon) {
      icon.setAttribute('role', 'img');
    });
  }

  function nameAll() {
    nameTabularInputs(document);
    nameAutocompletes(document);
    nameSplitDateTimes(document);
    roleForNamedIcons(document);
  }

  // After Django's own scripts: autocomplete.js builds its widgets in a jQuery ready handler,
  // which jQuery runs asynchronously and so possibly after the load event; a ready handler added
  // later (this file comes last) runs after it.
  const $ = window.django && window.django.jQuery;
  if ($) {
    $(nameAll);
    $(document).on('select2:select select2:unselect select2:close', nameAll);
  }
  // The two-list selectors are built in a load handler (SelectFilter2.js).
  window.addEventListener('load', nameAll);
  document.addEventListener('formset:added', nameAll);
})();
