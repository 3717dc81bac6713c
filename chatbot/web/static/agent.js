// The agent console's "Copier la réponse" button. A file, not an inline script, so that the
// pages' Content-Security-Policy can forbid inline scripts.
"use strict";

(() => {
  const button = document.getElementById("copier");
  const answer = document.getElementById("reponse");
  const status = document.getElementById("copie");
  if (!button || !answer || !status) return;
  button.addEventListener("click", async () => {
    const text = answer.innerText;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {
      // Plain HTTP (no secure context): no clipboard API, copy through a selected text area.
      const area = document.createElement("textarea");
      area.value = text;
      area.className = "offscreen";
      area.setAttribute("aria-hidden", "true");
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    status.textContent = "Réponse copiée.";
  });
})();
