# Warnings (and sanitizers when SMOLC_SANITIZE is on) for smolc's own targets.
function(smolc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(SMOLC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(SMOLC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
