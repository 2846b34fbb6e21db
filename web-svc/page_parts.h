#pragma once

// The GOV.UK components every form page is built from (pages.cc renders
// them; kainjow::mustache escapes every {{value}}), for pages outside
// pages.cc. Each component shows the view's value, and its error when the
// view has one for its id.

#include <string>
#include <vector>

#include "kainjow/mustache.hpp"
#include "web-svc/pages.h"

namespace frontdoor::web {

// A text input.
struct InputSpec {
  std::string id;
  std::string label;
  std::string hint;
  std::string autocomplete;
  std::string width;  // a govuk-input--width-N or govuk-!-width-... class
  std::string type = "text";
  int maxlength = 200;
};

namespace parts {

// Renders one of the caller's constant templates (with the shared
// error_message partial); aborts on a broken template.
std::string Render(const char* tmpl, kainjow::mustache::data d);
// The page around `body`: header, quick exit, footer, neutral title
// ("Error: " first when `error`).
std::string Layout(const PageContext& ctx, const std::string& body, bool error);
// The GOV.UK error summary (empty without errors).
std::string ErrorSummary(const std::vector<FormError>& errors);
std::string Input(const FormView& v, const InputSpec& spec);
std::string Textarea(const FormView& v, const std::string& id,
                     const std::string& label, const std::string& hint,
                     int maxlength);
// Yes / No radios named `id` (values "yes" and "no").
std::string YesNo(const FormView& v, const std::string& id,
                  const std::string& label, const std::string& hint);
// A GOV.UK date input: prefix-day, -month, -year.
std::string Date(const FormView& v, const std::string& prefix,
                 const std::string& label, const std::string& autocomplete);
// The specialist-need checkboxes under `legend`.
std::string Needs(const FormView& v, const std::string& legend);

// One radio option.
struct Option {
  std::string value;
  std::string label;
};
// Radios named `id`; the first option's input has id `id` (the error
// summary links there), the others `id`-`value`.
std::string Radios(const FormView& v, const std::string& id,
                   const std::string& legend, const std::string& hint,
                   const std::vector<Option>& options, bool inline_options);

// The children's blocks (v.child_blocks of them, "Child n" headings with
// ids child-n) and, below kMaxFormChildren, the "Add another child" button
// that posts the form back to `action` with one more block. Works without
// JavaScript: the server adds the block.
std::string ChildBlocks(const FormView& v, const std::string& action);

}  // namespace parts
}  // namespace frontdoor::web
