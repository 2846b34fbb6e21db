# frontdoor_embed_migrations(TARGET <lib> NAMESPACE <ns> PREFIX <name> DIR <dir>)
# Compiles every <dir>/*.sql, in file-name order, into a library exposing
#   std::vector<frontdoor::store::Migration> <ns>::Migrations();
# each named "<name>/<file stem>". Migrations live with their service as SQL
# files and are applied at start-up.
function(frontdoor_embed_migrations)
  cmake_parse_arguments(M "" "TARGET;NAMESPACE;PREFIX;DIR" "" ${ARGN})
  file(GLOB sql_files CONFIGURE_DEPENDS "${M_DIR}/*.sql")
  list(SORT sql_files)
  # An edited migration is embedded again (not only a new or removed one).
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_files})
  set(entries "")
  foreach(f ${sql_files})
    get_filename_component(stem "${f}" NAME_WE)
    file(READ "${f}" sql)
    string(APPEND entries "      {\"${M_PREFIX}/${stem}\", R\"frontdoor_sql(${sql})frontdoor_sql\"},\n")
  endforeach()
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${M_TARGET}.cc")
  file(WRITE "${out}.tmp"
"// Generated from ${M_DIR}/*.sql by frontdoor_embed_migrations.\n"
"#include <vector>\n#include \"common/store/store.h\"\n"
"namespace ${M_NAMESPACE} {\n"
"std::vector<frontdoor::store::Migration> Migrations() {\n"
"  return {\n${entries}  };\n}\n}  // namespace ${M_NAMESPACE}\n")
  configure_file("${out}.tmp" "${out}" COPYONLY)
  add_library(${M_TARGET} STATIC "${out}")
  target_include_directories(${M_TARGET} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${M_TARGET} PUBLIC absl::status absl::time)
endfunction()
