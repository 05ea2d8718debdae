// Starts the template editor: django-prose-editor's bundle (ProseMirror/Tiptap), imported by
// its path so that no inline import map is needed, and without Tiptap's inline <style>.
// Both would be refused by the Content-Security-Policy (script-src and style-src 'self').
import * as prose from "../django_prose_editor/editor.js";

// Text becomes a link as it is typed only when it is written as an address: «https://…»,
// «www.…» or an e-mail. Otherwise typing the tag {{ client.name }} by hand would link
// «client.name» (.name is a domain zone) and split the tag; other links come from the
// toolbar's link button.
function typedAsAddress(text) {
  return /^(https?:\/\/|mailto:|www\.)/i.test(text) || /^[^\s@{}]+@[^\s@{}]+$/.test(text);
}

function extensionsOf(config) {
  const extensions = [];
  for (const [name, options] of Object.entries(config.extensions || {})) {
    const extension = prose[name];
    if (!extension) {
      console.warn("Расширение редактора не найдено:", name);
      continue;
    }
    let settings = options && typeof options === "object" ? { ...options } : null;
    if (name === "Link") {
      settings = { ...(settings || {}), shouldAutoLink: typedAsAddress };
    }
    extensions.push(settings ? extension.configure(settings) : extension);
  }
  return extensions;
}

function start(textarea) {
  if (textarea.templateEditor) {
    return;
  }
  const config = JSON.parse(textarea.getAttribute("data-template-editor") || "{}");
  const wrapper = document.createElement("div");
  wrapper.className = "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const editor = new prose.Editor({
    element: wrapper,
    extensions: extensionsOf(config),
    content: textarea.value,
    injectCSS: false,
    onUpdate({ editor }) {
      const html = editor.getHTML();
      // An empty document is a single empty paragraph: keep the field empty then.
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
    },
  });
  textarea.templateEditor = editor;
  if (window.proseEditorTranslate) {
    window.proseEditorTranslate(wrapper);
  }
  textarea.dispatchEvent(new CustomEvent("template-editor:ready", { bubbles: true, detail: { editor } }));
}

document.querySelectorAll("textarea[data-template-editor]").forEach(start);
