# Warnings (and sanitizers when SMOLC_SANITIZE is on) for smolc's own targets.
function(smolc_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(SMOLC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# -gline-tables-only (after the build type's -g): a sanitizer report needs
# file:line per frame, not variable info; full -g made these builds ~14 %
# slower to compile (docs/testing.md).
if(SMOLC_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()
