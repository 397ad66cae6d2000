// The visit report keeps itself: every change is saved to the server as a draft (a short
// pause after typing; a file as soon as it is chosen; once more when the page is left),
// and the parts the chosen outcome does not call for are folded away (never one holding
// a value or an error). Without this script the form still works, with every part shown.
(function () {
  "use strict";
  const form = document.querySelector(".report-form");
  if (!form) return;
  const url = form.dataset.draftUrl;
  const status = form.querySelector(".draft-status");
  const fileInputs = Array.from(form.querySelectorAll("input[type=file]"));
  let timer = null;
  let dirty = false;

  function payload(withFile) {
    const data = new FormData(form);
    fileInputs.forEach(function (input) {
      if (input !== withFile) data.delete(input.name);
    });
    return data;
  }

  function rowOf(input) {
    return input.closest(".form-row");
  }

  function showRefusal(input, text) {
    const row = rowOf(input);
    let list = row.querySelector("ul.errorlist");
    if (!list) {
      list = document.createElement("ul");
      list.className = "errorlist";
      row.insertBefore(list, row.firstChild);
    }
    list.replaceChildren();
    const item = document.createElement("li");
    item.textContent = text;
    list.appendChild(item);
    row.classList.add("errors");
  }

  function showKept(input, file) {
    const row = rowOf(input);
    const list = row.querySelector("ul.errorlist");
    if (list) list.remove();
    row.classList.remove("errors");
    const kept = row.querySelector(".kept");
    if (!kept) return;
    kept.replaceChildren();
    const link = document.createElement("a");
    link.href = file.url;
    link.textContent = file.label;
    kept.appendChild(link);
    kept.hidden = false;
  }

  function save(withFile) {
    dirty = false;
    return fetch(url, { method: "POST", body: payload(withFile), credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (answer.saved) status.textContent = answer.saved;
          else if (answer.error) status.textContent = answer.error;
          if (withFile) {
            const refused = (answer.refused || {})[withFile.name];
            if (refused) showRefusal(withFile, refused);
            else if (answer.files && answer.files[withFile.name]) showKept(withFile, answer.files[withFile.name]);
            withFile.value = ""; // kept on the server (or refused): not sent again
          }
        });
      })
      .catch(function () {
        dirty = true;
        status.textContent = status.dataset.failed;
      });
  }

  function later() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(function () {
      save(null);
    }, 700);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type !== "file") later();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") {
      if (event.target.files.length) save(event.target);
    } else {
      later();
    }
    if (event.target.name === "outcome") fold();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty && navigator.sendBeacon) {
      navigator.sendBeacon(url, payload(null));
      dirty = false;
    }
  });
  window.addEventListener("online", function () {
    if (dirty) save(null);
  });

  // --- the outcome decides which parts show, and which fields are needed -----------
  function holdsSomething(part) {
    if (part.querySelector(".errors, .kept:not([hidden])")) return true;
    return Array.from(part.querySelectorAll("input, textarea")).some(function (input) {
      if (input.type === "checkbox" || input.type === "radio") return input.checked;
      return input.type !== "file" && input.value.trim() !== "";
    });
  }

  function fold() {
    const picked = form.querySelector("input[name=outcome]:checked");
    const outcome = picked ? picked.value : "";
    form.querySelectorAll(".report-part[data-for]").forEach(function (part) {
      const wanted = part.dataset.for.split(" ").indexOf(outcome) !== -1;
      part.hidden = !wanted && !holdsSomething(part);
    });
    form.querySelectorAll("[data-needed-for]").forEach(function (row) {
      const needed = row.dataset.neededFor;
      const on = needed === "all" || (outcome && needed.split(" ").indexOf(outcome) !== -1);
      row.classList.toggle("needed", on);
    });
  }
  fold();
})();
