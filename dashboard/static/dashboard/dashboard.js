// Copy buttons: <button data-copy="INPUT_ID" data-copy-status="STATUS_ID" hidden>. Without
// JavaScript the button stays hidden and the key can still be selected and copied by hand.
"use strict";

async function copyFrom(field) {
  try {
    await navigator.clipboard.writeText(field.value);
    return true;
  } catch (error) {
    field.focus();
    field.select();
    return Boolean(document.execCommand && document.execCommand("copy"));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    const status = document.getElementById(button.dataset.copyStatus || "");
    if (!field) continue;
    button.hidden = false;
    field.addEventListener("focus", () => field.select());
    button.addEventListener("click", async () => {
      const copied = await copyFrom(field);
      if (status) {
        status.textContent = copied
          ? "Copied to the clipboard."
          : "Could not copy: select the key and copy it yourself.";
      }
    });
  }
});
