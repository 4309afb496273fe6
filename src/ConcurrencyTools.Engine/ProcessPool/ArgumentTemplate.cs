using System;
using System.Globalization;
using System.Text;

namespace ConcurrencyTools.Engine.ProcessPool;

/// <summary>
/// Placeholders in an argument or in standard input text: <c>{}</c> and <c>{0}</c> stand for the input item,
/// <c>{#}</c> for the task's number, <c>{Name}</c> for the item's property Name; <c>{{</c> and <c>}}</c> are
/// literal braces. The result is one argument whatever the item holds: no shell ever parses it.
/// </summary>
public static class ArgumentTemplate
{
    /// <summary>Whether <paramref name="template"/> refers to the item (any placeholder).</summary>
    public static bool HasPlaceholder(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        for (int i = 0; i < template.Length; i++)
        {
            if (template[i] == '{')
            {
                if (i + 1 < template.Length && template[i + 1] == '{')
                {
                    i++;
                    continue;
                }

                if (template.IndexOf('}', i + 1) > i)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Replaces the placeholders. <paramref name="property"/> returns the text of a property of the item, or
    /// null when the item has none by that name, which is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static string Expand(string template, string item, long seq, Func<string, string?> property)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(property);
        if (template.IndexOf('{') < 0 && template.IndexOf('}') < 0)
        {
            return template;
        }

        var text = new StringBuilder(template.Length + item.Length);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                text.Append(c);
                i++;
                continue;
            }

            int close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                text.Append(c);
                continue;
            }

            string name = template[(i + 1)..close];
            text.Append(name switch
            {
                "" or "0" => item,
                "#" => seq.ToString(CultureInfo.InvariantCulture),
                _ => property(name) ?? throw new ArgumentException($"The input item '{item}' has no property '{name}' for the placeholder {{{name}}}.", nameof(template)),
            });
            i = close;
        }

        return text.ToString();
    }
}
