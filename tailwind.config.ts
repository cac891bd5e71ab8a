import type { Config } from "tailwindcss";

// Loaded by src/app/globals.css through `@config` (Tailwind 4 reads it that way).
export default {
  content: ["./src/**/*.{ts,tsx}"],
  theme: {
    extend: {
      colors: {
        brand: { 50: "#eef6ff", 100: "#d9eaff", 500: "#2f6fed", 600: "#2359c9", 700: "#1d479f" },
      },
      fontFamily: { sans: ["ui-sans-serif", "system-ui", "sans-serif"], mono: ["ui-monospace", "SFMono-Regular", "monospace"] },
    },
  },
} satisfies Config;
