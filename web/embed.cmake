# Builds the web UI (web/app/) into the server library, so that `sluice serve` is one file.
# Included from src/CMakeLists.txt after the server room is declared. There is no
# JavaScript build step: the files are served as written (ES modules, plain CSS).
file(GLOB_RECURSE sluice_web_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/web/app/*)
set(sluice_web_generated ${CMAKE_BINARY_DIR}/generated/web_assets_data.cpp)
add_custom_command(
  OUTPUT ${sluice_web_generated}
  COMMAND ${CMAKE_COMMAND} -DWEB_DIR=${PROJECT_SOURCE_DIR}/web/app -DOUTPUT=${sluice_web_generated}
          -P ${PROJECT_SOURCE_DIR}/web/embed_assets.cmake
  DEPENDS ${sluice_web_files} ${PROJECT_SOURCE_DIR}/web/embed_assets.cmake
  COMMENT "Embedding the web UI (web/app)"
  VERBATIM)
target_sources(sluice_server PRIVATE ${sluice_web_generated})
