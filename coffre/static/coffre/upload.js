// Drag and drop onto the vault's file field. An enhancement only: the plain
// <input type="file"> works without it, and it sends nothing itself (the form does).
(function () {
  "use strict";
  var input = document.querySelector('.upload-form input[type="file"]');
  if (!input || typeof DataTransfer === "undefined") {
    return;
  }
  var zone = input.closest(".field") || input.parentNode;
  var hint = zone.querySelector(".field__hint");
  if (hint) {
    var extra = document.createElement("span");
    extra.textContent = " " + (document.documentElement.lang === "en"
      ? "You may also drop the file here."
      : "Vous pouvez aussi glisser-déposer le fichier ici.");
    hint.appendChild(extra);
  }
  function hasFiles(event) {
    return event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1;
  }
  zone.addEventListener("dragover", function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("drop-zone--active");
  });
  zone.addEventListener("dragleave", function (event) {
    if (!zone.contains(event.relatedTarget)) zone.classList.remove("drop-zone--active");
  });
  zone.addEventListener("drop", function (event) {
    if (!hasFiles(event)) return;
    event.preventDefault();
    zone.classList.remove("drop-zone--active");
    var files = event.dataTransfer.files;
    if (!files.length) return;
    var transfer = new DataTransfer();
    transfer.items.add(files[0]);  // one file per document
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  });
})();
