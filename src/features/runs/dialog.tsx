// The dialog moved to the UI primitives (src/components/ui/dialog.tsx); this path stays for its importers.
export { Dialog } from "~/components/ui/dialog";
