// release.js — the Release dialog: send the open message on to real addresses through the
// server's --relay server (Mailpit's POST /api/v1/message/{ID}/release). The addresses start as
// the message's To and Cc; an error (the upstream server's reply included) stays in the dialog.

import * as api from "./api.js";

export class ReleaseDialog {
  constructor({ onReleased }) {
    const $ = (id) => document.getElementById(id);
    this.onReleased = onReleased;
    this.dialog = $("release-dialog");
    this.form = $("release-form");
    this.to = $("release-to");
    this.error = $("release-error");
    this.send = $("release-send");
    this.id = null;
    this.form.addEventListener("submit", (event) => {
      if (event.submitter?.value === "cancel") return; // closes the dialog
      event.preventDefault();
      this.release();
    });
  }

  /** Open the dialog for message `id` (its JSON `message` suggests the addresses). */
  open(id, message) {
    this.id = id;
    const people = [...(message.To || []), ...(message.Cc || [])];
    this.to.value = people.map((person) => person.Address).filter(Boolean).join(", ");
    this.showError("");
    this.send.disabled = false;
    this.dialog.showModal();
    this.to.focus();
  }

  showError(text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  async release() {
    const to = this.to.value
      .split(/[,;\s]+/)
      .map((address) => address.trim())
      .filter(Boolean);
    if (!to.length) {
      this.showError("Give at least one address.");
      return;
    }
    const id = this.id;
    this.send.disabled = true;
    this.showError("");
    try {
      await api.release(id, to);
    } catch (error) {
      this.showError(`Not released: ${error.message}`);
      this.send.disabled = false;
      return;
    }
    this.dialog.close();
    this.onReleased(id, to);
  }
}
