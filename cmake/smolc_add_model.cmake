# smolc_add_model(<target> <model> <f32|bf16|f16|q8|q4|q16>
#                 [TARGET t] [CTX n] [THREADS n] [KV f32|f16]
#                 [NAME c_identifier] [WEIGHTS embed|external] [TOKENIZER file]
#                 [TUNE tune.json] [KEEP PATTERN=FORMAT...] [Q4_ALL] [NO_CALIBRATE]
#                 [ALLOW_NONFINITE] [CXXFLAGS "flags"] [SMOLC path/to/smolc] [CXX compiler])
#
# Compiles MODEL with `smolc compile` at build time and makes the engine a
# normal static-library target <target> (include/NAME.h on its include path,
# pthreads and libm on its link line on hosted targets). Every option maps to
# the `smolc compile` option of the same name (docs/compiler.md). NAME
# defaults to <target> as a C identifier in lower case. The engine is rebuilt
# when smolc or any input changes: the model file, or every file smolc reads
# from a HuggingFace directory (config.json, *.safetensors and their index,
# tokenizer.json, tokenizer_config.json, ...), the llama2.c tokenizer smolc
# finds next to a .bin model (tok*.bin, tokenizer.bin), the TOKENIZER file
# and the TUNE file. A model given by name (found in $SMOLC_MODEL_PATH or the
# HF hub cache) is resolved to its path at configure time with
# `smolc inspect --json`, so its files are tracked too. With WEIGHTS
# external, <target>_WEIGHTS_FILE names the weights file. (`--emit-only` has
# no option here: the target is the compiled library.)
include_guard(GLOBAL)

# The files smolc may read from a HuggingFace directory. The glob is
# re-evaluated at build time (CONFIGURE_DEPENDS), so a new shard is tracked too.
# A llama2.c .bin without TOKENIZER reads tok<vocab>.bin or tokenizer.bin
# from its folder: those are inputs too.
function(_smolc_model_inputs model_abs has_tokenizer out_var)
  if(IS_DIRECTORY "${model_abs}")
    file(GLOB inputs CONFIGURE_DEPENDS LIST_DIRECTORIES false
         "${model_abs}/*.json" "${model_abs}/*.safetensors" "${model_abs}/tokenizer.model")
  else()
    set(inputs "${model_abs}")
    if(NOT has_tokenizer AND model_abs MATCHES "\\.bin$")
      get_filename_component(folder "${model_abs}" DIRECTORY)
      file(GLOB toks CONFIGURE_DEPENDS LIST_DIRECTORIES false "${folder}/tok*.bin" "${folder}/tokenizer.bin")
      list(REMOVE_ITEM toks "${model_abs}")
      list(APPEND inputs ${toks})
    endif()
  endif()
  set(${out_var} ${inputs} PARENT_SCOPE)
endfunction()

# A model that is no path here is a name smolc looks up: ask it where.
function(_smolc_resolve_model smolc model out_var)
  get_filename_component(model_abs "${model}" ABSOLUTE)
  if(EXISTS "${model_abs}")
    set(${out_var} "${model_abs}" PARENT_SCOPE)
    return()
  endif()
  execute_process(COMMAND ${smolc} inspect ${model} --json
                  OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "smolc_add_model: cannot find the model '${model}' (${smolc} inspect: ${err})")
  endif()
  string(JSON path GET "${json}" path)
  set(${out_var} "${path}" PARENT_SCOPE)
endfunction()

function(smolc_add_model target model format)
  cmake_parse_arguments(PARSE_ARGV 3 SAM "Q4_ALL;NO_CALIBRATE;ALLOW_NONFINITE"
                        "TARGET;CTX;THREADS;KV;NAME;WEIGHTS;TOKENIZER;TUNE;SMOLC;CXX;CXXFLAGS" "KEEP")
  if(NOT format MATCHES "^(f32|bf16|f16|q8|q4|q16)$")
    message(FATAL_ERROR "smolc_add_model(${target}): format '${format}' is not f32, bf16, f16, q8, q4 or q16")
  endif()
  if(SAM_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "smolc_add_model(${target}): unknown arguments: ${SAM_UNPARSED_ARGUMENTS}")
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
  _smolc_resolve_model("${smolc}" "${model}" model_abs)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/smolc/${name})
  set(args compile ${model_abs} --${format} --name ${name} -o ${out})
  foreach(opt TARGET CTX THREADS KV WEIGHTS CXX CXXFLAGS)
    if(DEFINED SAM_${opt})
      string(TOLOWER "${opt}" flag)
      list(APPEND args --${flag} "${SAM_${opt}}")
    endif()
  endforeach()
  foreach(rule IN LISTS SAM_KEEP)
    list(APPEND args --keep "${rule}")
  endforeach()
  foreach(flag Q4_ALL NO_CALIBRATE ALLOW_NONFINITE)
    if(SAM_${flag})
      string(TOLOWER "${flag}" f)
      string(REPLACE "_" "-" f "${f}")
      list(APPEND args --${f})
    endif()
  endforeach()
  set(has_tokenizer FALSE)
  if(SAM_TOKENIZER)
    set(has_tokenizer TRUE)
  endif()
  _smolc_model_inputs("${model_abs}" ${has_tokenizer} inputs)
  if(SAM_TOKENIZER)
    get_filename_component(tok_abs "${SAM_TOKENIZER}" ABSOLUTE)
    list(APPEND args --tokenizer ${tok_abs})
    list(APPEND inputs ${tok_abs})
  endif()
  if(SAM_TUNE)
    get_filename_component(tune_abs "${SAM_TUNE}" ABSOLUTE)
    list(APPEND args --tune ${tune_abs})
    list(APPEND inputs ${tune_abs})
  endif()
  set(lib ${out}/lib/lib${name}.a)
  set(outputs ${lib} ${out}/include/${name}.h)
  if(SAM_WEIGHTS STREQUAL "external")
    list(APPEND outputs ${out}/${name}.weights)
  endif()
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${smolc} ${args}
    DEPENDS ${inputs} ${smolc}
    COMMENT "smolc: compiling ${model} (${format}) into ${name}"
    VERBATIM)
  add_custom_target(${target}_smolc DEPENDS ${outputs})
  file(MAKE_DIRECTORY ${out}/include)
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${lib}
    INTERFACE_INCLUDE_DIRECTORIES ${out}/include)
  # Bare-metal engines (cortex-m targets, or a toolchain file for a Generic
  # system) are single-threaded and have no pthreads to link.
  if(NOT (CMAKE_SYSTEM_NAME STREQUAL "Generic" OR "${SAM_TARGET}" MATCHES "^cortex-m"))
    find_package(Threads REQUIRED)
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "Threads::Threads;m")
  else()
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "m")
  endif()
  add_dependencies(${target} ${target}_smolc)
  if(SAM_WEIGHTS STREQUAL "external")
    set(${target}_WEIGHTS_FILE ${out}/${name}.weights PARENT_SCOPE)
  endif()
endfunction()
