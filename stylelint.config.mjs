// stylelint for the SCSS sources: `make lint` (or `npm run lint`) runs it on static/**/*.scss.
// The standard SCSS rules as they come, so editor plugins and designers' habits agree with CI;
// change a rule here only with the reason beside it.
export default {
  extends: ["stylelint-config-standard-scss"],
  // A stylelint-disable comment that disables nothing, or names no rule, is an error too:
  // exceptions must not outlive the code they were written for.
  reportNeedlessDisables: true,
  reportInvalidScopeDisables: true,
};
