// Russian labels for the template editor: django-prose-editor ships no Russian catalog.
// Dialog texts go through window.gettext (read by the editor when its module loads, so this
// classic script must come first); menu titles are set in English and translated in place.
(function () {
  "use strict";
  const messages = {
    "Alternative Text": "Альтернативный текст",
    "Bullets": "Маркеры",
    "Cancel": "Отмена",
    "Columns": "Столбцы",
    "Decimal numbers": "Цифры",
    "Edit HTML": "Редактировать HTML",
    "Edit Image": "Изображение",
    "Edit Link": "Ссылка",
    "Image URL": "Адрес изображения",
    "Include header row": "С строкой заголовков",
    "Insert": "Вставить",
    "Insert Table": "Вставить таблицу",
    "List properties": "Свойства списка",
    "List type": "Вид списка",
    "Lowercase Roman numerals": "Римские цифры (строчные)",
    "Lowercase letters": "Строчные буквы",
    "Open in new window": "Открывать в новом окне",
    "Prettify": "Отформатировать",
    "Rows": "Строки",
    "Start at": "Начать с",
    "Table Properties": "Свойства таблицы",
    "The HTML contents of the editor. Note that the allowed HTML is restricted by the editor schema.":
      "HTML-код текста. Разрешены только элементы, которые поддерживает редактор.",
    "Title": "Подсказка",
    "Toggle fullscreen": "Во весь экран",
    "URL": "Адрес (https://… или mailto:…)",
    "Update": "Сохранить",
    "Uppercase Roman numerals": "Римские цифры (прописные)",
    "Uppercase letters": "Прописные буквы",
  };
  const titles = {
    "paragraph": "Абзац",
    "heading 1": "Заголовок 1",
    "heading 2": "Заголовок 2",
    "heading 3": "Заголовок 3",
    "heading 4": "Заголовок 4",
    "unordered list": "Маркированный список",
    "ordered list": "Нумерованный список",
    "List properties": "Свойства списка",
    "blockquote": "Цитата",
    "horizontal rule": "Горизонтальная линия",
    "bold": "Полужирный",
    "italic": "Курсив",
    "underline": "Подчёркнутый",
    "strike": "Зачёркнутый",
    "insert link": "Вставить ссылку",
    "remove link": "Убрать ссылку",
    "Insert table": "Вставить таблицу",
    "Add column": "Добавить столбец",
    "Delete column": "Удалить столбец",
    "Add row": "Добавить строку",
    "Delete row": "Удалить строку",
    "Merge cells": "Объединить ячейки",
    "Split cell": "Разделить ячейку",
    "Toggle header cell": "Ячейка заголовка",
    "Delete table": "Удалить таблицу",
    "undo": "Отменить",
    "redo": "Повторить",
    "edit HTML": "Редактировать HTML",
    "Heading 1": "Заголовок 1",
    "Heading 2": "Заголовок 2",
    "Heading 3": "Заголовок 3",
    "Heading 4": "Заголовок 4",
    "Paragraph": "Абзац",
  };
  const previous = window.gettext;
  window.gettext = function (text) {
    return messages[text] || (previous ? previous(text) : text);
  };

  function translate(root) {
    root.querySelectorAll("[title], [aria-label]").forEach(function (element) {
      ["title", "aria-label"].forEach(function (name) {
        const value = element.getAttribute(name);
        if (value && titles[value]) {
          element.setAttribute(name, titles[value]);
        }
      });
    });
    root.querySelectorAll(".prose-menubar__option > *").forEach(function (element) {
      if (titles[element.textContent]) {
        element.textContent = titles[element.textContent];
      }
    });
  }

  // The menu sets titles again as the selection moves: translate whatever changes.
  window.proseEditorTranslate = function (root) {
    translate(root);
    new MutationObserver(function () { translate(root); }).observe(root, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ["title", "aria-label"],
    });
  };
})();
