#include "web-svc/pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace frontdoor::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const PageContext kCtx{"https://www.bbc.co.uk/weather"};

TEST(PagesTest, WhatThePersonTypedIsEscaped) {
  SelfReferralView v;
  v.values["given-names"] = "<script>alert(1)</script>";
  v.values["concerns"] = "\"><img src=x onerror=alert(1)>";
  v.errors.push_back({"given-names", "Enter <b>your</b> first name"});
  v.csrf_token = "\"><x>";
  const std::string page = RenderSelfReferralPage(kCtx, v);
  EXPECT_THAT(page, Not(HasSubstr("<script>alert")));
  EXPECT_THAT(page, Not(HasSubstr("<img src=x")));
  EXPECT_THAT(page, Not(HasSubstr("<b>your")));
  EXPECT_THAT(page, Not(HasSubstr("\"><x>")));
  EXPECT_THAT(page, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

TEST(PagesTest, ErrorsFollowTheGovukPattern) {
  SelfReferralView v;
  v.errors.push_back({"address-postcode", "Enter your postcode"});
  v.errors.push_back({"dob-day", "Enter your date of birth"});
  const std::string page = RenderSelfReferralPage(kCtx, v);
  EXPECT_THAT(page, HasSubstr("<title>Error: Get support</title>"));
  EXPECT_THAT(page, HasSubstr("govuk-error-summary"));
  EXPECT_THAT(page, HasSubstr("<a href=\"#address-postcode\">Enter your postcode</a>"));
  EXPECT_THAT(page, HasSubstr("<a href=\"#dob-day\">Enter your date of birth</a>"));
  EXPECT_THAT(page, HasSubstr("id=\"address-postcode-error\""));
  EXPECT_THAT(page, HasSubstr("govuk-form-group--error"));
  EXPECT_THAT(page, HasSubstr("aria-describedby=\"address-postcode-hint address-postcode-error\""));
  const std::string clean = RenderSelfReferralPage(kCtx, SelfReferralView{});
  EXPECT_THAT(clean, HasSubstr("<title>Get support</title>"));
  EXPECT_THAT(clean, Not(HasSubstr("govuk-error-summary")));
  EXPECT_THAT(clean, Not(HasSubstr("govuk-form-group--error")));
}

TEST(PagesTest, EveryPageHasTheQuickExitAndNoInlineScriptOrStyle) {
  for (const std::string& page :
       {RenderStartPage(kCtx), RenderSelfReferralPage(kCtx, {}),
        RenderReceiptPage(kCtx, "FD-7K3M9Q2X4W8P"),
        RenderTooManyRequestsPage(kCtx), RenderProblemPage(kCtx),
        RenderNotFoundPage(kCtx), RenderFormExpiredPage(kCtx),
        RenderAlreadySentPage(kCtx)}) {
    EXPECT_THAT(page, HasSubstr("href=\"https://www.bbc.co.uk/weather\""));
    EXPECT_THAT(page, HasSubstr("govuk-exit-this-page"));
    EXPECT_THAT(page, HasSubstr("rel=\"nofollow noreferrer\""));
    EXPECT_THAT(page, Not(HasSubstr("<script>")));
    EXPECT_THAT(page, Not(HasSubstr("<style")));
    EXPECT_THAT(page, Not(HasSubstr(" style=")));
    EXPECT_THAT(page, Not(HasSubstr(" onclick=")));
  }
}

TEST(PagesTest, TheReceiptShowsTheReference) {
  EXPECT_THAT(RenderReceiptPage(kCtx, "FD-7K3M9Q2X4W8P"),
              HasSubstr("<strong id=\"reference\">FD-7K3M9Q2X4W8P</strong>"));
}

}  // namespace
}  // namespace frontdoor::web
