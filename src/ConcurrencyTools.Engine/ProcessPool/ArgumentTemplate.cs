using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Placeholders in an argument or in standard input text, GNU parallel's replacement strings:
/// <c>{}</c> (and <c>{0}</c>) the input item, <c>{.}</c> the item without its extension, <c>{/}</c> its base name,
/// <c>{//}</c> its directory, <c>{/.}</c> its base name without extension, <c>{#}</c> the task's number,
/// <c>{%}</c> the slot that runs it; and <c>{Name}</c> the item's property Name. <c>{{</c> and <c>}}</c> are
/// literal braces. The result is one argument whatever the item holds: no shell ever parses it.
/// </summary>
/// <remarks>
/// The path forms follow GNU parallel exactly (its <c>s:\.[^/.]*$::</c>, <c>s:.*/::</c> and Perl's dirname), so a
/// command line moved from <c>parallel</c> gets the same arguments; on Windows a backslash separates too.
/// The slot is known only when a slot takes the task, so a task whose templates hold <c>{%}</c> is expanded in two
/// steps: <see cref="Expand"/> with <c>keepSlot</c> leaves <c>{%}</c> and keeps every other brace escaped, and
/// <see cref="ExpandSlot(string, int)"/> finishes it.
/// </remarks>
public static class ArgumentTemplate
{
    /// <summary>The placeholder of the slot number.</summary>
    public const string SlotPlaceholder = "{%}";

    /// <summary>Whether <paramref name="template"/> refers to the item (any placeholder).</summary>
    public static bool HasPlaceholder(string template) => FindPlaceholder(template, null);

    /// <summary>Whether <paramref name="template"/> holds <c>{%}</c>, the slot, which only the pool knows when the task starts.</summary>
    public static bool HasSlot(string template) => FindPlaceholder(template, "%");

    /// <summary>
    /// Replaces the placeholders. <paramref name="property"/> returns the text of a property of the item, or
    /// null when the item has none by that name, which is an <see cref="ArgumentException"/> naming it.
    /// With <paramref name="keepSlot"/> the result is still a template (braces escaped, <c>{%}</c> kept) for
    /// <see cref="ExpandSlot(string, int)"/>; without it, <c>{%}</c> is an <see cref="ArgumentException"/>.
    /// </summary>
    public static string Expand(string template, string item, long seq, Func<string, string?> property, bool keepSlot = false)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(property);
        item ??= string.Empty;
        if (!keepSlot && template.IndexOf('{') < 0 && template.IndexOf('}') < 0)
        {
            return template;
        }

        bool deferSlot = keepSlot;
        var text = new StringBuilder(template.Length + item.Length);
        void Append(string value) => text.Append(deferSlot ? Escape(value) : value);

        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                Append(c.ToString());
                i++;
                continue;
            }

            int close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                Append(c.ToString());
                continue;
            }

            string name = template[(i + 1)..close];
            if (name == "%")
            {
                text.Append(keepSlot ? SlotPlaceholder : throw new ArgumentException("The slot {%} is known only when the task starts.", nameof(template)));
            }
            else
            {
                Append(name switch
                {
                    "" or "0" => item,
                    "#" => seq.ToString(CultureInfo.InvariantCulture),
                    "." => WithoutExtension(item),
                    "/" => BaseName(item),
                    "//" => DirectoryName(item),
                    "/." => WithoutExtension(BaseName(item)),
                    _ => property(name) ?? throw new ArgumentException($"The input item '{item}' has no property '{name}' for the placeholder {{{name}}}.", nameof(template)),
                });
            }

            i = close;
        }

        return text.ToString();
    }

    /// <summary>Text as a template that stands for itself: its braces doubled.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
    }

    /// <summary>Finishes a template that <see cref="Expand"/> left with <c>{%}</c>: the slot's number in its place, escaped braces made plain.</summary>
    public static string ExpandSlot(string template, int slot) => ExpandSlot(template, slot.ToString(CultureInfo.InvariantCulture));

    /// <summary>Finishes a template that <see cref="Expand"/> left with <c>{%}</c>, with <paramref name="slot"/> (any text) in its place.</summary>
    public static string ExpandSlot(string template, string slot)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(slot);
        var text = new StringBuilder(template.Length);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                text.Append(c);
                i++;
            }
            else if (string.CompareOrdinal(template, i, SlotPlaceholder, 0, SlotPlaceholder.Length) == 0)
            {
                text.Append(slot);
                i += SlotPlaceholder.Length - 1;
            }
            else
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    /// <summary>Whether an unescaped placeholder (any, or the one named <paramref name="name"/>) is in <paramref name="template"/>.</summary>
    private static bool FindPlaceholder(string template, string? name)
    {
        ArgumentNullException.ThrowIfNull(template);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                i++;
                continue;
            }

            int close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close > i && (name is null || template.AsSpan(i + 1, close - i - 1).SequenceEqual(name)))
            {
                return true;
            }

            if (close > i)
            {
                i = close;
            }
        }

        return false;
    }

    private static bool IsSeparator(char c) => c == '/' || (c == '\\' && Path.DirectorySeparatorChar == '\\');

    private static int LastSeparator(string path)
    {
        for (int i = path.Length - 1; i >= 0; i--)
        {
            if (IsSeparator(path[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>GNU parallel's {/}: everything after the last separator (empty for "dir/").</summary>
    private static string BaseName(string path) => path[(LastSeparator(path) + 1)..];

    /// <summary>GNU parallel's {.}: the last ".suffix" removed when no separator or dot follows it (".bashrc" becomes "").</summary>
    private static string WithoutExtension(string path)
    {
        for (int i = path.Length - 1; i >= 0; i--)
        {
            if (path[i] == '.')
            {
                return path[..i];
            }

            if (IsSeparator(path[i]))
            {
                break;
            }
        }

        return path;
    }

    /// <summary>GNU parallel's {//}, Perl's dirname: "." without a separator, "/" at the root, trailing separators ignored.</summary>
    private static string DirectoryName(string path)
    {
        int end = path.Length;
        while (end > 1 && IsSeparator(path[end - 1]))
        {
            end--;
        }

        int last = LastSeparator(path[..end]);
        if (last < 0)
        {
            return end > 0 && IsSeparator(path[0]) ? path[..1] : ".";
        }

        while (last > 0 && IsSeparator(path[last - 1]))
        {
            last--;
        }

        return last == 0 ? path[..1] : path[..last];
    }
}
