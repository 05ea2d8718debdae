// The tag list beside the template editor: a click inserts the tag where the cursor is;
// the search box filters the list; a chosen image is uploaded and put into the text.
(function () {
  "use strict";

  function textareaFor(element) {
    const palette = element.closest("[data-tag-palette]");
    return palette ? document.getElementById(palette.getAttribute("data-tag-palette")) : null;
  }

  function insertText(textarea, text) {
    const editor = textarea.templateEditor;
    if (editor) {
      editor.chain().focus().insertContent(text).run();
      return;
    }
    // The editor did not start: insert into the plain field at the caret.
    const from = textarea.selectionStart ?? textarea.value.length;
    const to = textarea.selectionEnd ?? from;
    textarea.setRangeText(text, from, to, "end");
    textarea.focus();
  }

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-insert-tag]");
    if (!button) {
      return;
    }
    event.preventDefault();
    const textarea = textareaFor(button);
    if (textarea) {
      insertText(textarea, "{{ " + button.getAttribute("data-insert-tag") + " }}");
    }
  });

  document.addEventListener("input", function (event) {
    const box = event.target.closest("[data-tag-filter]");
    if (!box) {
      return;
    }
    const query = box.value.trim().toLowerCase();
    const palette = box.closest("[data-tag-palette]");
    palette.querySelectorAll("[data-tag-item]").forEach(function (item) {
      item.hidden = query !== "" && !item.getAttribute("data-tag-item").includes(query);
    });
    if (query) {
      palette.querySelectorAll("details").forEach(function (group) { group.open = true; });
    }
  });

  document.addEventListener("change", function (event) {
    const input = event.target.closest("[data-image-upload]");
    if (!input || !input.files.length) {
      return;
    }
    const status = input.parentElement.querySelector("[data-image-upload-status]");
    const textarea = textareaFor(input);
    const data = new FormData();
    data.append("image", input.files[0]);
    status.textContent = "Загружаем…";
    status.className = "small mt-1 text-muted";
    fetch(input.getAttribute("data-image-upload"), {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrfToken(input.form) },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          throw new Error(result.body.error || "Не удалось загрузить изображение.");
        }
        const editor = textarea && textarea.templateEditor;
        if (editor) {
          editor.chain().focus().setImage({ src: result.body.url, alt: "" }).run();
        } else if (textarea) {
          insertText(textarea, '<img src="' + result.body.url + '" alt="">');
        }
        status.textContent = "Изображение добавлено в текст.";
        status.className = "small mt-1 text-success";
        input.value = "";
      })
      .catch(function (error) {
        status.textContent = error.message || "Не удалось загрузить изображение.";
        status.className = "small mt-1 text-danger";
      });
  });
})();
