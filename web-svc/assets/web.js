// web-svc's only script (a module: the Content-Security-Policy allows no
// inline script). Pages work without it; with it, GOV.UK Frontend's
// components start, and the quick exit replaces this page's history entry
// so that the back button does not return to the form.
import {
  Button,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  Header,
  Radios,
  SkipLink,
  createAll
} from '/assets/govuk-frontend.min.js'

// GOV.UK Frontend's "Exit this page" (the button, and Shift pressed three
// times), leaving with location.replace instead of location.href.
class QuickExit extends ExitThisPage {
  exitPage () {
    document.body.classList.add('govuk-exit-this-page-hide-content')
    window.location.replace(this.$button.href)
  }
}

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
for (const Component of [Button, Checkboxes, ErrorSummary, Header, Radios, SkipLink, QuickExit]) {
  createAll(Component)
}
