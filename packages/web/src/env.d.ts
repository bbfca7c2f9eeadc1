// Vite asset imports (CSS) for the type-checker.
/// <reference types="vite/client" />
