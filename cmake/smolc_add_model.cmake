# smolc_add_model(<target> <model> <f32|bf16|f16>
#                 [TARGET native|avx512|avx2|scalar] [CTX n] [THREADS n]
#                 [NAME c_identifier] [WEIGHTS embed|external] [TOKENIZER file]
#                 [SMOLC path/to/smolc] [CXX compiler])
#
# Compiles MODEL with `smolc compile` at build time and makes the engine a
# normal static-library target <target> (include/NAME.h on its include path,
# pthreads and libm on its link line). NAME defaults to <target> as a C
# identifier in lower case. The engine is rebuilt when the model file or smolc
# changes. With WEIGHTS external, <target>_WEIGHTS_FILE names the weights file.
include_guard(GLOBAL)
find_package(Threads REQUIRED)

function(smolc_add_model target model format)
  cmake_parse_arguments(PARSE_ARGV 3 SAM "" "TARGET;CTX;THREADS;NAME;WEIGHTS;TOKENIZER;SMOLC;CXX" "")
  if(NOT format MATCHES "^(f32|bf16|f16)$")
    message(FATAL_ERROR "smolc_add_model(${target}): format '${format}' is not f32, bf16 or f16")
  endif()
  if(SAM_SMOLC)
    set(smolc ${SAM_SMOLC})
  else()
    find_program(SMOLC_EXECUTABLE smolc REQUIRED)
    set(smolc ${SMOLC_EXECUTABLE})
  endif()
  if(SAM_NAME)
    set(name ${SAM_NAME})
  else()
    string(MAKE_C_IDENTIFIER "${target}" name)
    string(TOLOWER "${name}" name)
  endif()
  get_filename_component(model_abs "${model}" ABSOLUTE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/smolc/${name})
  set(args compile ${model_abs} --${format} --name ${name} -o ${out})
  if(SAM_TARGET)
    list(APPEND args --target ${SAM_TARGET})
  endif()
  if(SAM_CTX)
    list(APPEND args --ctx ${SAM_CTX})
  endif()
  if(SAM_THREADS)
    list(APPEND args --threads ${SAM_THREADS})
  endif()
  if(SAM_WEIGHTS)
    list(APPEND args --weights ${SAM_WEIGHTS})
  endif()
  if(SAM_TOKENIZER)
    get_filename_component(tok_abs "${SAM_TOKENIZER}" ABSOLUTE)
    list(APPEND args --tokenizer ${tok_abs})
  endif()
  if(SAM_CXX)
    list(APPEND args --cxx ${SAM_CXX})
  endif()
  set(model_deps)
  if(NOT IS_DIRECTORY "${model_abs}")
    set(model_deps ${model_abs})
  endif()
  set(lib ${out}/lib/lib${name}.a)
  add_custom_command(OUTPUT ${lib} ${out}/include/${name}.h
    COMMAND ${smolc} ${args}
    DEPENDS ${model_deps} ${smolc}
    COMMENT "smolc: compiling ${model} (${format}) into ${name}"
    VERBATIM)
  add_custom_target(${target}_smolc DEPENDS ${lib})
  file(MAKE_DIRECTORY ${out}/include)
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${lib}
    INTERFACE_INCLUDE_DIRECTORIES ${out}/include
    INTERFACE_LINK_LIBRARIES "Threads::Threads;m")
  add_dependencies(${target} ${target}_smolc)
  if(SAM_WEIGHTS STREQUAL "external")
    set(${target}_WEIGHTS_FILE ${out}/${name}.weights PARENT_SCOPE)
  endif()
endfunction()
