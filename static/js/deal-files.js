// The deal card's «Файлы»: drop files on the section or choose them, and they go up at once
// with a progress bar; the server answers with the section, which takes the old one's place.
// Without scripts the form posts and the card comes back with messages.
(function () {
  "use strict";
  document.documentElement.classList.add("deal-files-js");

  function panelOf(el) { return el.closest("[data-files-panel]"); }

  function plural(n) {
    const ten = n % 10, hundred = n % 100;
    if (ten === 1 && hundred !== 11) { return n + " файл"; }
    if (ten >= 2 && ten <= 4 && (hundred < 12 || hundred > 14)) { return n + " файла"; }
    return n + " файлов";
  }

  function showErrors(panel, errors) {
    if (!errors.length) { return; }
    let box = panel.querySelector("[data-file-errors]");
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-danger py-2";
      box.setAttribute("role", "alert");
      box.setAttribute("data-file-errors", "");
      panel.querySelector(".card-body h2").after(box);
    }
    errors.forEach(function (text) {
      const line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
  }

  function upload(panel, fileList) {
    const form = panel.querySelector("[data-file-drop]");
    if (!form || !fileList || !fileList.length) { return; }
    const maxBytes = Number(panel.getAttribute("data-max-bytes"));
    const maxMb = panel.getAttribute("data-max-mb");
    const refused = [];
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    let count = 0;
    Array.prototype.forEach.call(fileList, function (file) {
      if (maxBytes && file.size > maxBytes) {
        const mb = (file.size / 1048576).toFixed(1).replace(".", ",");
        refused.push("«" + file.name + "»: Файл слишком большой: " + mb + " МБ. Можно не больше " + maxMb + " МБ.");
      } else {
        data.append("files", file, file.name);
        count += 1;
      }
    });
    const old = panel.querySelector("[data-file-errors]");
    if (old) { old.remove(); }
    if (!count) { showErrors(panel, refused); return; }

    const progress = panel.querySelector("[data-file-progress]");
    const bar = panel.querySelector("[data-file-progress-bar]");
    const status = panel.querySelector("[data-file-status]");
    progress.classList.remove("d-none");
    bar.style.width = "0%";
    status.textContent = "Загружается " + plural(count) + "…";
    panel.setAttribute("aria-busy", "true");

    const xhr = new XMLHttpRequest();
    xhr.open("POST", panel.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      const percent = Math.round((event.loaded / event.total) * 100);
      bar.style.width = percent + "%";
      progress.setAttribute("aria-valuenow", String(percent));
      status.textContent = "Загружается " + plural(count) + ": " + percent + " %";
    });
    xhr.addEventListener("load", function () {
      panel.removeAttribute("aria-busy");
      if (xhr.status === 200 || xhr.status === 400) {
        const holder = document.createElement("div");
        holder.innerHTML = xhr.responseText;
        const fresh = holder.querySelector("[data-files-panel]");
        if (fresh) {
          panel.replaceWith(fresh);
          if (window.htmx) { window.htmx.process(fresh); }
          showErrors(fresh, refused);
          const done = fresh.querySelector("[data-file-status]");
          if (done && xhr.status === 200) { done.textContent = "Загружено."; }
          return;
        }
      }
      progress.classList.add("d-none");
      status.textContent = "";
      const reason = xhr.status === 403 ? "Загружать файлы в эту сделку может ответственный менеджер или руководитель."
        : xhr.status === 413 ? "Файлы слишком большие для одной загрузки: выберите меньше."
        : "Не удалось загрузить файлы (ошибка " + xhr.status + "). Попробуйте ещё раз.";
      showErrors(panel, refused.concat([reason]));
    });
    xhr.addEventListener("error", function () {
      panel.removeAttribute("aria-busy");
      progress.classList.add("d-none");
      status.textContent = "";
      showErrors(panel, refused.concat(["Нет связи с сервером: файлы не загружены."]));
    });
    xhr.send(data);
  }

  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1;
  }

  document.addEventListener("dragover", function (event) {
    const panel = event.target.closest && panelOf(event.target);
    if (!panel || !panel.hasAttribute("data-upload-url") || !hasFiles(event)) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    panel.classList.add("deal-files-dragging");
  });
  document.addEventListener("dragleave", function (event) {
    const panel = event.target.closest && panelOf(event.target);
    if (panel && !panel.contains(event.relatedTarget)) { panel.classList.remove("deal-files-dragging"); }
  });
  document.addEventListener("drop", function (event) {
    const panel = event.target.closest && panelOf(event.target);
    if (!panel || !panel.hasAttribute("data-upload-url") || !hasFiles(event)) { return; }
    event.preventDefault();
    panel.classList.remove("deal-files-dragging");
    upload(panel, event.dataTransfer.files);
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-file-drop] input[type=file]")) { return; }
    const input = event.target;
    upload(panelOf(input), input.files);
    input.value = "";
  });
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("[data-file-drop]");
    if (!form) { return; }
    event.preventDefault();
    upload(panelOf(form), form.querySelector("input[type=file]").files);
  });
})();
