# Embeds the default API model JSON files into the binaries at build time, so the plugin, the
# tool and serverless-clangd work with no files at run time. The JSON files stay the source of
# truth: the generated source only holds their bytes (as raw string literals) and their names.
#
#   serverless_embed_models(OUTPUT <file.cpp> FILES <a.json> <b.json> ...)
function(serverless_embed_models)
  cmake_parse_arguments(ARG "" "OUTPUT" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ARG_OUTPUT} "-DFILES=${ARG_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedModelsScript.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedModelsScript.cmake
    COMMENT "Embedding ${CMAKE_CURRENT_LIST_DIR} API models"
    VERBATIM)
endfunction()
