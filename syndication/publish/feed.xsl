<?xml version="1.0" encoding="UTF-8"?>
<!--
  Renders our RSS 2.0 and Atom 1.0 feeds as a readable right-to-left page when a person
  opens a feed URL in a browser (linked from each feed by <?xml-stylesheet?>).
  Images come from media:content with their media:description (caption) and media:credit;
  the HTML body is not copied (that would need disable-output-escaping, which browsers
  ignore and which would trust the markup).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    xmlns:media="http://search.yahoo.com/mrss/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    exclude-result-prefixes="atom media dc">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="lang">
    <xsl:choose>
      <xsl:when test="/rss/channel/language"><xsl:value-of select="/rss/channel/language"/></xsl:when>
      <xsl:when test="/atom:feed/@xml:lang"><xsl:value-of select="/atom:feed/@xml:lang"/></xsl:when>
      <xsl:otherwise>ar</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
    <html lang="{$lang}" dir="rtl">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/></title>
        <style>
          body{font-family:system-ui,"Noto Naskh Arabic","Noto Sans Arabic",sans-serif;
               max-width:48rem;margin:1.5rem auto;padding:0 1rem;line-height:1.7;color:#111}
          header p{color:#555}
          .note{background:#f4f4f4;padding:.5rem .75rem;border-radius:.25rem;font-size:.9rem}
          article{border-top:1px solid #ddd;padding:1rem 0}
          article h2{font-size:1.2rem;margin:.25rem 0}
          time,.meta{color:#666;font-size:.85rem}
          .urgent{background:#b00;color:#fff;padding:0 .4rem;border-radius:.2rem;margin-inline-end:.4rem}
          figure{margin:.75rem 0}
          figure img{max-width:100%;height:auto}
          figcaption{color:#444;font-size:.9rem}
          .credit{color:#777;margin-inline-start:.5rem}
          .url{direction:ltr;unicode-bidi:isolate}
        </style>
      </head>
      <body>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle"/></p>
          <p class="note">هذه خلاصة أخبار (RSS/Atom). انسخ عنوانها إلى قارئ الخلاصات للاشتراك:
            <code class="url"><xsl:value-of select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/></code></p>
        </header>
        <main>
          <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <article>
      <h2>
        <xsl:if test="category[. = 'عاجل']"><span class="urgent">عاجل</span></xsl:if>
        <a href="{link}"><xsl:value-of select="title"/></a>
      </h2>
      <p class="meta">
        <time dir="ltr"><xsl:value-of select="pubDate"/></time>
        <xsl:if test="dc:creator"> — <xsl:value-of select="dc:creator"/></xsl:if>
      </p>
      <xsl:apply-templates select="media:content[@medium='image']"/>
      <p><xsl:value-of select="description"/></p>
    </article>
  </xsl:template>

  <xsl:template match="atom:entry">
    <article>
      <xsl:if test="@xml:lang"><xsl:attribute name="lang"><xsl:value-of select="@xml:lang"/></xsl:attribute></xsl:if>
      <h2>
        <xsl:if test="atom:category[@term = 'urgent']"><span class="urgent">عاجل</span></xsl:if>
        <a href="{atom:link[@rel='alternate' or not(@rel)][1]/@href}"><xsl:value-of select="atom:title"/></a>
      </h2>
      <p class="meta">
        <time dir="ltr" datetime="{atom:published}"><xsl:value-of select="atom:published"/></time>
        <xsl:if test="atom:author/atom:name"> — <xsl:value-of select="atom:author/atom:name"/></xsl:if>
      </p>
      <xsl:apply-templates select="media:content[@medium='image']"/>
      <p><xsl:value-of select="atom:summary"/></p>
    </article>
  </xsl:template>

  <xsl:template match="media:content">
    <figure>
      <img src="{@url}" alt="{media:description}" loading="lazy">
        <xsl:if test="@width"><xsl:attribute name="width"><xsl:value-of select="@width"/></xsl:attribute></xsl:if>
        <xsl:if test="@height"><xsl:attribute name="height"><xsl:value-of select="@height"/></xsl:attribute></xsl:if>
      </img>
      <xsl:if test="media:description or media:credit">
        <figcaption>
          <xsl:value-of select="media:description"/>
          <xsl:if test="media:credit"><span class="credit"><xsl:value-of select="media:credit"/></span></xsl:if>
        </figcaption>
      </xsl:if>
    </figure>
  </xsl:template>
</xsl:stylesheet>
