# fish completion for wsctl                                -*- shell-script -*-

function __wsctl_debug
    set -l file "$BASH_COMP_DEBUG_FILE"
    if test -n "$file"
        echo "$argv" >> $file
    end
end

function __wsctl_perform_completion
    __wsctl_debug "Starting __wsctl_perform_completion"

    # Extract all args except the last one
    set -l args (commandline -opc)
    # Extract the last arg and escape it in case it is a space
    set -l lastArg (string escape -- (commandline -ct))

    __wsctl_debug "args: $args"
    __wsctl_debug "last arg: $lastArg"

    # Disable ActiveHelp which is not supported for fish shell
    set -l requestComp "WSCTL_ACTIVE_HELP=0 $args[1] __complete $args[2..-1] $lastArg"

    __wsctl_debug "Calling $requestComp"
    set -l results (eval $requestComp 2> /dev/null)

    # Some programs may output extra empty lines after the directive.
    # Let's ignore them or else it will break completion.
    # Ref: https://github.com/spf13/cobra/issues/1279
    for line in $results[-1..1]
        if test (string trim -- $line) = ""
            # Found an empty line, remove it
            set results $results[1..-2]
        else
            # Found non-empty line, we have our proper output
            break
        end
    end

    set -l comps $results[1..-2]
    set -l directiveLine $results[-1]

    # For Fish, when completing a flag with an = (e.g., <program> -n=<TAB>)
    # completions must be prefixed with the flag
    set -l flagPrefix (string match -r -- '-.*=' "$lastArg")

    __wsctl_debug "Comps: $comps"
    __wsctl_debug "DirectiveLine: $directiveLine"
    __wsctl_debug "flagPrefix: $flagPrefix"

    for comp in $comps
        printf "%s%s\n" "$flagPrefix" "$comp"
    end

    printf "%s\n" "$directiveLine"
end

# this function limits calls to __wsctl_perform_completion, by caching the result behind $__wsctl_perform_completion_once_result
function __wsctl_perform_completion_once
    __wsctl_debug "Starting __wsctl_perform_completion_once"

    if test -n "$__wsctl_perform_completion_once_result"
        __wsctl_debug "Seems like a valid result already exists, skipping __wsctl_perform_completion"
        return 0
    end

    set --global __wsctl_perform_completion_once_result (__wsctl_perform_completion)
    if test -z "$__wsctl_perform_completion_once_result"
        __wsctl_debug "No completions, probably due to a failure"
        return 1
    end

    __wsctl_debug "Performed completions and set __wsctl_perform_completion_once_result"
    return 0
end

# this function is used to clear the $__wsctl_perform_completion_once_result variable after completions are run
function __wsctl_clear_perform_completion_once_result
    __wsctl_debug ""
    __wsctl_debug "========= clearing previously set __wsctl_perform_completion_once_result variable =========="
    set --erase __wsctl_perform_completion_once_result
    __wsctl_debug "Successfully erased the variable __wsctl_perform_completion_once_result"
end

function __wsctl_requires_order_preservation
    __wsctl_debug ""
    __wsctl_debug "========= checking if order preservation is required =========="

    __wsctl_perform_completion_once
    if test -z "$__wsctl_perform_completion_once_result"
        __wsctl_debug "Error determining if order preservation is required"
        return 1
    end

    set -l directive (string sub --start 2 $__wsctl_perform_completion_once_result[-1])
    __wsctl_debug "Directive is: $directive"

    set -l shellCompDirectiveKeepOrder 32
    set -l keeporder (math (math --scale 0 $directive / $shellCompDirectiveKeepOrder) % 2)
    __wsctl_debug "Keeporder is: $keeporder"

    if test $keeporder -ne 0
        __wsctl_debug "This does require order preservation"
        return 0
    end

    __wsctl_debug "This doesn't require order preservation"
    return 1
end


# This function does two things:
# - Obtain the completions and store them in the global __wsctl_comp_results
# - Return false if file completion should be performed
function __wsctl_prepare_completions
    __wsctl_debug ""
    __wsctl_debug "========= starting completion logic =========="

    # Start fresh
    set --erase __wsctl_comp_results

    __wsctl_perform_completion_once
    __wsctl_debug "Completion results: $__wsctl_perform_completion_once_result"

    if test -z "$__wsctl_perform_completion_once_result"
        __wsctl_debug "No completion, probably due to a failure"
        # Might as well do file completion, in case it helps
        return 1
    end

    set -l directive (string sub --start 2 $__wsctl_perform_completion_once_result[-1])
    set --global __wsctl_comp_results $__wsctl_perform_completion_once_result[1..-2]

    __wsctl_debug "Completions are: $__wsctl_comp_results"
    __wsctl_debug "Directive is: $directive"

    set -l shellCompDirectiveError 1
    set -l shellCompDirectiveNoSpace 2
    set -l shellCompDirectiveNoFileComp 4
    set -l shellCompDirectiveFilterFileExt 8
    set -l shellCompDirectiveFilterDirs 16

    if test -z "$directive"
        set directive 0
    end

    set -l compErr (math (math --scale 0 $directive / $shellCompDirectiveError) % 2)
    if test $compErr -eq 1
        __wsctl_debug "Received error directive: aborting."
        # Might as well do file completion, in case it helps
        return 1
    end

    set -l filefilter (math (math --scale 0 $directive / $shellCompDirectiveFilterFileExt) % 2)
    set -l dirfilter (math (math --scale 0 $directive / $shellCompDirectiveFilterDirs) % 2)
    if test $filefilter -eq 1; or test $dirfilter -eq 1
        __wsctl_debug "File extension filtering or directory filtering not supported"
        # Do full file completion instead
        return 1
    end

    set -l nospace (math (math --scale 0 $directive / $shellCompDirectiveNoSpace) % 2)
    set -l nofiles (math (math --scale 0 $directive / $shellCompDirectiveNoFileComp) % 2)

    __wsctl_debug "nospace: $nospace, nofiles: $nofiles"

    # If we want to prevent a space, or if file completion is NOT disabled,
    # we need to count the number of valid completions.
    # To do so, we will filter on prefix as the completions we have received
    # may not already be filtered so as to allow fish to match on different
    # criteria than the prefix.
    if test $nospace -ne 0; or test $nofiles -eq 0
        set -l prefix (commandline -t | string escape --style=regex)
        __wsctl_debug "prefix: $prefix"

        set -l completions (string match -r -- "^$prefix.*" $__wsctl_comp_results)
        set --global __wsctl_comp_results $completions
        __wsctl_debug "Filtered completions are: $__wsctl_comp_results"

        # Important not to quote the variable for count to work
        set -l numComps (count $__wsctl_comp_results)
        __wsctl_debug "numComps: $numComps"

        if test $numComps -eq 1; and test $nospace -ne 0
            # We must first split on \t to get rid of the descriptions to be
            # able to check what the actual completion will be.
            # We don't need descriptions anyway since there is only a single
            # real completion which the shell will expand immediately.
            set -l split (string split --max 1 \t $__wsctl_comp_results[1])

            # Fish won't add a space if the completion ends with any
            # of the following characters: @=/:.,
            set -l lastChar (string sub -s -1 -- $split)
            if not string match -r -q "[@=/:.,]" -- "$lastChar"
                # In other cases, to support the "nospace" directive we trick the shell
                # by outputting an extra, longer completion.
                __wsctl_debug "Adding second completion to perform nospace directive"
                set --global __wsctl_comp_results $split[1] $split[1].
                __wsctl_debug "Completions are now: $__wsctl_comp_results"
            end
        end

        if test $numComps -eq 0; and test $nofiles -eq 0
            # To be consistent with bash and zsh, we only trigger file
            # completion when there are no other completions
            __wsctl_debug "Requesting file completion"
            return 1
        end
    end

    return 0
end

# Since Fish completions are only loaded once the user triggers them, we trigger them ourselves
# so we can properly delete any completions provided by another script.
# Only do this if the program can be found, or else fish may print some errors; besides,
# the existing completions will only be loaded if the program can be found.
if type -q "wsctl"
    # The space after the program name is essential to trigger completion for the program
    # and not completion of the program name itself.
    # Also, we use '> /dev/null 2>&1' since '&>' is not supported in older versions of fish.
    complete --do-complete "wsctl " > /dev/null 2>&1
end

# Remove any pre-existing completions for the program since we will be handling all of them.
complete -c wsctl -e

# this will get called after the two calls below and clear the $__wsctl_perform_completion_once_result global
complete -c wsctl -n '__wsctl_clear_perform_completion_once_result'
# The call to __wsctl_prepare_completions will setup __wsctl_comp_results
# which provides the program's completion choices.
# If this doesn't require order preservation, we don't use the -k flag
complete -c wsctl -n 'not __wsctl_requires_order_preservation && __wsctl_prepare_completions' -f -a '$__wsctl_comp_results'
# otherwise we use the -k flag
complete -k -c wsctl -n '__wsctl_requires_order_preservation && __wsctl_prepare_completions' -f -a '$__wsctl_comp_results'
