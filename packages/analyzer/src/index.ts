// @kto/analyzer public API (being built: issue "Analyzer").
export {};
