/** The key of a keydown as the shortcut check needs it. */
export type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean };

/**
 * Undo (Ctrl/Cmd+Z) or redo (Ctrl/Cmd+Shift+Z, Ctrl/Cmd+Y) of the editor's one history, or null for
 * any other key. Pure; the caller leaves out keys typed into the YAML editor or a form field, which
 * have their own undo.
 */
export function historyShortcut(e: KeyPress): "undo" | "redo" | null {
  if (!(e.ctrlKey || e.metaKey)) return null;
  const key = e.key.toLowerCase();
  if (key === "z") return e.shiftKey ? "redo" : "undo";
  if (key === "y") return "redo";
  return null;
}

/** Whether a key typed at this element belongs to it (CodeMirror, inputs) rather than to the editor. */
export function ownsKeys(target: { tagName: string; closest: (selector: string) => unknown }): boolean {
  return Boolean(target.closest(".cm-editor")) || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
