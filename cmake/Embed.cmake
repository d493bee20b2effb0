# tarifador_embed(TARGET <lib> NAMESPACE <ns> FUNCTION <fn> BASE_DIR <dir> FILES <files...>)
# Generates a .cpp defining `std::span<const tarifador::base::EmbeddedFile> <ns>::<fn>()`
# holding every file's bytes, sorted by relative path, and adds it to <lib>.
# Files are embedded as byte arrays so no content can break the C++ syntax.
function(tarifador_embed)
  cmake_parse_arguments(E "" "TARGET;NAMESPACE;FUNCTION;BASE_DIR" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${E_FUNCTION}.cpp)
  list(SORT E_FILES)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${E_NAMESPACE} -DFN=${E_FUNCTION}
            -DBASE_DIR=${E_BASE_DIR} "-DFILES=${E_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedScript.cmake
    COMMENT "Embedding ${E_FUNCTION}"
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${out})
  # Every generated file names its arrays kData0, kData1...: never one unity batch.
  set_source_files_properties(${out} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
endfunction()
