# Copies GOV.UK Frontend's built CSS, JS and images and web-svc's own files
# into OUT. The GDS Transport font is for GOV.UK services only: its
# @font-face rules are removed and the font family replaced by a system
# font stack, and no font files are copied.
if(NOT EXISTS "${GOVUK_DIST}/govuk-frontend.min.css")
  message(FATAL_ERROR "GOV.UK Frontend is not installed in ${GOVUK_DIST}: "
                      "run tools/deps (npm ci in web-svc/)")
endif()
set(SYSTEM_FONTS "system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif")
file(READ "${GOVUK_DIST}/govuk-frontend.min.css" css)
string(REGEX REPLACE "@font-face{[^}]*}" "" css "${css}")
string(REPLACE "GDS Transport,arial,sans-serif" "${SYSTEM_FONTS}" css "${css}")
string(REPLACE "/*# sourceMappingURL=govuk-frontend.min.css.map */" "" css "${css}")
if(css MATCHES "GDS Transport")
  message(FATAL_ERROR "GDS Transport is still named in GOV.UK Frontend's CSS")
endif()
file(MAKE_DIRECTORY "${OUT}")
file(WRITE "${OUT}/govuk-frontend.min.css.tmp" "${css}")
file(RENAME "${OUT}/govuk-frontend.min.css.tmp" "${OUT}/govuk-frontend.min.css")
file(READ "${GOVUK_DIST}/govuk-frontend.min.js" js)
string(REPLACE "//# sourceMappingURL=govuk-frontend.min.js.map" "" js "${js}")
file(WRITE "${OUT}/govuk-frontend.min.js" "${js}")
file(COPY "${GOVUK_DIST}/assets/images" DESTINATION "${OUT}")
file(COPY "${OWN_ASSETS}/web.js" "${OWN_ASSETS}/web.css" DESTINATION "${OUT}")
